import type { FieldType } from './schema.js';
import type { Value } from './table.js';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** REST JSON datetimes look like 2013-05-20T20:49:32.000+0000: an offset, not `Z`. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

export function formatDate(ms: number): string {
  return formatDateTime(ms).slice(0, 10);
}

export function formatValue(type: FieldType, value: Value): Value {
  if (value === null) return null;
  if (type === 'datetime' && typeof value === 'number') return formatDateTime(value);
  if (type === 'date' && typeof value === 'number') return formatDate(value);
  return value;
}

/** ISO-8601 datetime with Z or an offset, optional fraction; undefined when malformed. */
export function parseDateTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    frac ? Math.round(Number(frac) * 1000) : 0,
  );
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) ? undefined : ms;
}
