import { z } from 'zod';
import { type AttributeValue, EVENT_TYPES } from '../crm/vocabulary.js';

/**
 * Zod schemas for single values at the file edge. Each carries the reason used in problem messages and
 * data-quality notes, so a failure reads `companySize: "lots" is not a number`.
 */

/** Below this a number is epoch seconds, at or above it epoch milliseconds (1e11 ms is March 1973; 1e11 s is year 5138). */
export const EPOCH_SECONDS_BELOW = 1e11;
/** The largest time a JavaScript Date can hold. */
const MAX_EPOCH_MS = 8.64e15;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DIGITS = /^\d+(?:\.\d+)?$/;

function fromEpoch(value: number): number | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const ms = value < EPOCH_SECONDS_BELOW ? value * 1000 : value;
  return ms > MAX_EPOCH_MS ? undefined : Math.round(ms);
}

/**
 * ISO 8601 (date, or date and time; no offset means UTC) or epoch time as a number or a string of digits.
 * Impossible dates such as 2024-02-30 are refused rather than rolled over.
 */
export function toEpochMs(value: number | string): number | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  const text = value.trim();
  if (DIGITS.test(text)) return fromEpoch(Number(text));
  const m = ISO_8601.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return local - offsetMinutes(zone) * 60_000;
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

export const NOT_A_TIMESTAMP = 'is not an ISO 8601 timestamp or epoch time';

/** Text fields: strings are trimmed, numbers are written as text (a JSONL `"ownerId": 1234` is common). */
export const textSchema = z
  .union([z.string(), z.number()], { error: 'is not text' })
  .transform((value) => (typeof value === 'number' ? String(value) : value.trim()));

/** The email is kept even when it has no "@": the check only flags it. */
export const emailShapeSchema = z.string().includes('@', { error: 'has no "@"' });

export const companySizeSchema = z
  .union([z.number(), z.string().trim().regex(DECIMAL).transform(Number)], { error: 'is not a number' })
  .pipe(
    z
      .number({ error: 'is not a number' })
      .finite({ error: 'is not a number' })
      .nonnegative({ error: 'is negative' }),
  );

export const timestampSchema = z
  .union([z.number(), z.string()], { error: NOT_A_TIMESTAMP })
  .transform((value, ctx) => {
    const ms = toEpochMs(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: NOT_A_TIMESTAMP });
      return z.NEVER;
    }
    return ms;
  });

export const eventTypeSchema = z
  .string()
  .trim()
  .pipe(z.enum(EVENT_TYPES, { error: 'is not an event type' }));

export const attributeValueSchema: z.ZodType<AttributeValue> = z.union(
  [z.string(), z.number(), z.boolean(), z.null()],
  { error: 'is a nested object or list' },
);

/** A parsed JSON line must be an object; arrays and scalars are refused. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

export function check<T>(schema: z.ZodType<T>, raw: unknown): Checked<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reason: result.error.issues[0]?.message ?? 'is not valid' };
}

/** Absent, null, or text that is only whitespace: treated as "no value". */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A short, quoted rendering of a raw value for messages. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
