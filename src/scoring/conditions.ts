import type { AttrCondition, FieldCondition } from './rules-schema.js';

/** A condition as the rules file states it: on a record field (`field`) or an event attribute (`attr`). */
export type Condition = FieldCondition | AttrCondition;

/** A compiled test on one value (a record field or an event attribute). */
export type ValueTest = (value: unknown) => boolean;

/** A usable value: null, undefined, NaN, objects (e.g. inherited prototype members) and blank strings are missing. */
export function isPresent(value: unknown): value is string | number | boolean {
  switch (typeof value) {
    case 'string':
      // Most values start with a visible character: settle those without allocating a trimmed copy.
      return value.length > 0 && (value.charCodeAt(0) > 32 || value.trim() !== '');
    case 'number':
      return !Number.isNaN(value);
    case 'boolean':
      return true;
    default:
      return false;
  }
}

/** The number a value reads as (numbers and numeric strings), else NaN. Booleans are not numbers. */
export function toNumber(value: string | number | boolean): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'boolean') return Number.NaN;
  const parsed = Number(value);
  // Number('') and Number('  ') are 0; a blank string is not the number 0.
  return Number.isFinite(parsed) && value.trim() !== '' ? parsed : Number.NaN;
}

function asText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Membership in a list of expected values: numerically when both sides are numeric, else as text. */
function membershipTest(values: readonly (string | number | boolean)[], caseSensitive: boolean) {
  const numbers = new Set<number>();
  const texts = new Set<string>();
  for (const expected of values) {
    const number = toNumber(expected);
    if (!Number.isNaN(number)) numbers.add(number);
    const text = asText(expected);
    texts.add(caseSensitive ? text : text.toLowerCase());
  }
  return (value: string | number | boolean): boolean => {
    if (numbers.size > 0) {
      const number = toNumber(value);
      if (!Number.isNaN(number)) return numbers.has(number);
    }
    const text = asText(value);
    return texts.has(caseSensitive ? text : text.toLowerCase());
  };
}

/**
 * Compiles a condition's test once (regexes built, expected text lower-cased) so evaluating it per event
 * allocates nothing in the common case.
 *
 * Semantics: text comparisons ignore case unless `caseSensitive`; `equals`/`in` compare numerically when both
 * sides are numeric ("50" equals 50); `range` is inclusive and never matches a non-numeric value; every
 * operator except `missing` is false on a missing value, so `notEquals`/`notIn` do not fire on absent data.
 */
export function compileValueTest(condition: Condition): ValueTest {
  const caseSensitive = condition.caseSensitive === true;
  switch (condition.op) {
    case 'exists':
      return isPresent;
    case 'missing':
      return (value) => !isPresent(value);
    case 'equals': {
      const member = membershipTest([condition.value], caseSensitive);
      return (value) => isPresent(value) && member(value);
    }
    case 'notEquals': {
      const member = membershipTest([condition.value], caseSensitive);
      return (value) => isPresent(value) && !member(value);
    }
    case 'in': {
      const member = membershipTest(condition.values, caseSensitive);
      return (value) => isPresent(value) && member(value);
    }
    case 'notIn': {
      const member = membershipTest(condition.values, caseSensitive);
      return (value) => isPresent(value) && !member(value);
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return textTest(condition.op, condition.value, caseSensitive);
    case 'regex': {
      let flags = condition.flags ?? '';
      if (!caseSensitive && !flags.includes('i')) flags += 'i';
      const pattern = new RegExp(condition.pattern, flags);
      return (value) => isPresent(value) && pattern.test(asText(value));
    }
    case 'range': {
      const min = condition.min ?? Number.NEGATIVE_INFINITY;
      const max = condition.max ?? Number.POSITIVE_INFINITY;
      return (value) => {
        if (!isPresent(value)) return false;
        const number = toNumber(value);
        return number >= min && number <= max;
      };
    }
  }
}

function textTest(
  op: 'contains' | 'startsWith' | 'endsWith',
  expected: string,
  caseSensitive: boolean,
): ValueTest {
  if (caseSensitive) {
    if (op === 'contains') return (value) => isPresent(value) && asText(value).includes(expected);
    if (op === 'startsWith') return (value) => isPresent(value) && asText(value).startsWith(expected);
    return (value) => isPresent(value) && asText(value).endsWith(expected);
  }
  // A case-insensitive literal regex compares without lower-casing (allocating) every value.
  const escaped = escapeRegExp(expected);
  const source = op === 'contains' ? escaped : op === 'startsWith' ? `^${escaped}` : `${escaped}$`;
  const pattern = new RegExp(source, 'i');
  return (value) => isPresent(value) && pattern.test(asText(value));
}
