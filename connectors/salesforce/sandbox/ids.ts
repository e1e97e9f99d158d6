/**
 * Salesforce record ids: 3-character key prefix, instance/reserved characters, a base-62 serial,
 * and for the 18-character form a 3-character case-safe suffix. The serial encodes the row index,
 * so an id resolves to its row without a lookup table.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm (ID field type)
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const INSTANCE = '5g0';
const SERIAL_DIGITS = 9;

function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX[bits];
  }
  return out;
}

/** 18-character id for `row` (0-based) of the object with `prefix`. ASCII order follows row order. */
export function makeId(prefix: string, row: number): string {
  let n = row + 1;
  let serial = '';
  for (let i = 0; i < SERIAL_DIGITS; i++) {
    serial = BASE62[n % 62] + serial;
    n = Math.floor(n / 62);
  }
  const id15 = prefix + INSTANCE + serial;
  return id15 + checksum(id15);
}

/** Accepts 15- or 18-character ids; returns the key prefix and row, or undefined when malformed. */
export function parseId(id: string): { prefix: string; row: number } | undefined {
  if (id.length !== 15 && id.length !== 18) return undefined;
  if (!/^[0-9A-Za-z]+$/.test(id)) return undefined;
  const id15 = id.slice(0, 15);
  if (id.length === 18 && id.slice(15).toUpperCase() !== checksum(id15)) return undefined;
  if (id15.slice(3, 6) !== INSTANCE) return { prefix: id15.slice(0, 3), row: -1 };
  let n = 0;
  for (const ch of id15.slice(6)) n = n * 62 + BASE62.indexOf(ch);
  return { prefix: id15.slice(0, 3), row: n - 1 };
}

/** Normalises a 15- or 18-character id to 18 characters (ids compare case-sensitively). */
export function to18(id: string): string {
  return id.length === 15 ? id + checksum(id) : id;
}

/** A random-looking but seeded opaque token (locators, org ids). */
export function opaque(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[Math.floor(random() * 62)];
  return out;
}
