import type { SandboxBehaviours } from './behaviours.js';
import { correlationId, SandboxHttpError, validationError } from './errors.js';
import type { PropertyType } from './properties.js';

/**
 * The CRM search engine shared by contacts, meetings and calls.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm
 */

export interface SearchSource {
  rows(): Iterable<number>;
  get(row: number, name: string): string | null;
  /** Fast path for datetime properties (epoch ms), when the source has it. */
  time?(row: number, name: string): number | undefined;
  type(name: string): PropertyType | undefined;
  createdAt(row: number): number;
  modifiedAt(row: number): number;
  id(row: number): string;
  /** Ids of associated objects, for `associations.{type}` filters. */
  associations?(row: number, toType: string): string[];
  /** Properties the free-text `query` looks at. */
  queryProperties: readonly string[];
}

export interface SearchFilter {
  propertyName?: string;
  operator?: string;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}

export interface SearchRequestBody {
  filterGroups?: Array<{ filters?: SearchFilter[] }>;
  sorts?: Array<string | { propertyName?: string; direction?: string }>;
  query?: string;
  properties?: string[];
  limit?: number | string;
  after?: number | string;
}

/** Keeps the sorted matches of the last query, so paging through one query does not rescan every row. */
export class SearchCache {
  key = '';
  rows: number[] = [];
}

export interface SearchResult {
  total: number;
  rows: number[];
  nextAfter?: string;
}

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

function toMs(v: unknown): number {
  const s = String(v);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return Date.parse(s);
}

type Comparable = number | string;

function typed(type: PropertyType | undefined, raw: unknown): Comparable {
  if (type === 'number') return Number(raw);
  if (type === 'datetime' || type === 'date') return toMs(raw);
  if (type === 'enumeration' || type === 'bool') return String(raw);
  return String(raw).toLowerCase();
}

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function tokenRegex(value: string): RegExp {
  const escaped = value
    .toLowerCase()
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

interface CompiledFilter {
  test(row: number): boolean;
}

function compileFilter(src: SearchSource, f: SearchFilter): CompiledFilter {
  const name = f.propertyName ?? '';
  const op = String(f.operator ?? 'EQ');
  if (!name) throw validationError('filter is missing propertyName');
  if (!OPERATORS.has(op)) throw validationError(`Unknown operator ${op} in filter on ${name}`);
  if (name.startsWith('associations.')) {
    const toType = name.slice('associations.'.length);
    const want = String(f.value ?? '');
    return {
      test: (row) => {
        const ids = src.associations?.(row, toType) ?? [];
        return op === 'NEQ' ? !ids.includes(want) : ids.includes(want);
      },
    };
  }
  const type = src.type(name);
  const isTime = type === 'datetime' || type === 'date';
  const read = (row: number): Comparable | null => {
    if (isTime && src.time) {
      const t = src.time(row, name);
      if (t !== undefined) return t;
    }
    const v = src.get(row, name);
    if (v === null || v === '') return null;
    return typed(type, v);
  };
  const value = f.value === undefined ? undefined : typed(type, f.value);
  const high = f.highValue === undefined ? undefined : typed(type, f.highValue);
  switch (op) {
    case 'HAS_PROPERTY':
      return { test: (row) => read(row) !== null };
    case 'NOT_HAS_PROPERTY':
      return { test: (row) => read(row) === null };
    case 'EQ':
      return { test: (row) => value !== undefined && read(row) === value };
    case 'NEQ':
      // HubSpot returns records without the property too.
      return { test: (row) => read(row) !== value };
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE':
      return {
        test: (row) => {
          const v = read(row);
          if (v === null || value === undefined) return false;
          const c = compare(v, value);
          return op === 'LT' ? c < 0 : op === 'LTE' ? c <= 0 : op === 'GT' ? c > 0 : c >= 0;
        },
      };
    case 'BETWEEN':
      return {
        test: (row) => {
          const v = read(row);
          if (v === null || value === undefined || high === undefined) return false;
          return compare(v, value) >= 0 && compare(v, high) <= 0;
        },
      };
    case 'IN':
    case 'NOT_IN': {
      // Values are compared as given: for string properties they "must be lowercase" (the doc), so an
      // upper-case value never matches.
      const set = new Set(
        (f.values ?? []).map((x) => (type === 'number' ? Number(x) : isTime ? toMs(x) : String(x))),
      );
      return {
        test: (row) => {
          const v = read(row);
          const hit = v !== null && set.has(v);
          return op === 'IN' ? hit : !hit;
        },
      };
    }
    default: {
      const rx = tokenRegex(String(f.value ?? ''));
      return {
        test: (row) => {
          const v = src.get(row, name);
          const hit =
            v !== null &&
            (rx.test(v.toLowerCase()) ||
              v
                .toLowerCase()
                .split(/[^a-z0-9@.]+/)
                .some((t) => rx.test(t)));
          return op === 'CONTAINS_TOKEN' ? hit : !hit;
        },
      };
    }
  }
}

export function parseSearchLimit(raw: unknown, b: SandboxBehaviours): number {
  const limit = raw === undefined || raw === null || raw === '' ? 10 : Number(raw);
  if (!Number.isInteger(limit) || limit < 0) throw validationError(`Invalid limit ${String(raw)}`);
  if (limit > b.searchMaxLimit) {
    if (b.searchLimitOver === 'error')
      throw validationError(`limit must be less than or equal to ${b.searchMaxLimit}`);
    return b.searchMaxLimit;
  }
  return limit;
}

export function runSearch(
  src: SearchSource,
  body: SearchRequestBody,
  rawBodyChars: number,
  b: SandboxBehaviours,
  now: number,
  cache?: { store: SearchCache; epoch: string },
): SearchResult {
  if (rawBodyChars > b.searchMaxBodyChars)
    throw validationError(
      `Search request body is too large; the maximum is ${b.searchMaxBodyChars} characters.`,
    );
  const groups = body.filterGroups ?? [];
  const totalFilters = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
  // https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm (5 groups, 6 per group, 18 total)
  if (groups.length > b.maxFilterGroups)
    throw validationError(`Too many filter groups (${groups.length}); the maximum is ${b.maxFilterGroups}.`);
  for (const g of groups)
    if ((g.filters?.length ?? 0) > b.maxFiltersPerGroup)
      throw validationError(
        `Too many filters in a group (${g.filters?.length}); the maximum is ${b.maxFiltersPerGroup}.`,
      );
  if (totalFilters > b.maxFiltersTotal)
    throw validationError(
      `Too many filters (${totalFilters}); the maximum is ${b.maxFiltersTotal} in total.`,
    );
  const sorts = body.sorts ?? [];
  if (sorts.length > 1 && b.multipleSorts === 'error')
    throw validationError('Only one sort is supported per search request.');
  const limit = parseSearchLimit(body.limit, b);
  const afterRaw = body.after ?? 0;
  const after = afterRaw === '' ? 0 : Number(afterRaw);
  if (!Number.isInteger(after) || after < 0) throw validationError(`Invalid after ${String(afterRaw)}`);
  if (after >= b.searchResultCap) {
    throw new SandboxHttpError(400, { ...b.searchCapError, correlationId: correlationId() });
  }

  const key =
    cache && b.searchIndexLagMs <= 0
      ? `${cache.epoch}|${JSON.stringify([body.filterGroups ?? [], sorts[0] ?? null, body.query ?? ''])}`
      : '';
  let matches: number[];
  if (key && cache?.store.key === key) {
    matches = cache.store.rows;
  } else {
    matches = findMatches(src, body, sorts, b, now);
    if (cache && key) {
      cache.store.key = key;
      cache.store.rows = matches;
    }
  }

  const page = matches.slice(after, Math.min(after + limit, b.searchResultCap));
  const next = after + limit;
  const total = b.searchTotalCapped ? Math.min(matches.length, b.searchResultCap) : matches.length;
  const result: SearchResult = { total, rows: page };
  if (next < matches.length) result.nextAfter = String(next);
  return result;
}

function findMatches(
  src: SearchSource,
  body: SearchRequestBody,
  sorts: NonNullable<SearchRequestBody['sorts']>,
  b: SandboxBehaviours,
  now: number,
): number[] {
  const compiled = (body.filterGroups ?? []).map((g) => (g.filters ?? []).map((f) => compileFilter(src, f)));
  const query = (body.query ?? '').trim().toLowerCase();
  const queryTokens = query ? query.split(/\s+/) : [];
  const lagCutoff = b.searchIndexLagMs > 0 ? now - b.searchIndexLagMs : Number.POSITIVE_INFINITY;

  const matches: number[] = [];
  for (const row of src.rows()) {
    if (src.modifiedAt(row) > lagCutoff) continue;
    if (compiled.length && !compiled.some((fs) => fs.every((f) => f.test(row)))) continue;
    if (queryTokens.length) {
      const hay = src.queryProperties.map((p) => (src.get(row, p) ?? '').toLowerCase()).join(' ');
      if (!queryTokens.every((t) => hay.includes(t))) continue;
    }
    matches.push(row);
  }

  const sort = sorts[0];
  let sortName = '';
  let desc = false;
  if (typeof sort === 'string') {
    desc = sort.startsWith('-');
    sortName = desc ? sort.slice(1) : sort;
  } else if (sort) {
    sortName = sort.propertyName ?? '';
    desc = String(sort.direction ?? 'ASCENDING').toUpperCase() === 'DESCENDING';
  }
  if (sortName) {
    const type = src.type(sortName);
    const isTime = type === 'datetime' || type === 'date';
    const keys = new Map<number, Comparable | null>();
    for (const r of matches) {
      let v: Comparable | null = null;
      if (isTime && src.time) v = src.time(r, sortName) ?? null;
      if (v === null) {
        const s = src.get(r, sortName);
        v = s === null || s === '' ? null : typed(type, s);
      }
      keys.set(r, v);
    }
    matches.sort((a, c) => {
      const ka = keys.get(a) ?? null;
      const kc = keys.get(c) ?? null;
      if (ka === null && kc === null) return Number(src.id(a)) - Number(src.id(c));
      if (ka === null) return 1;
      if (kc === null) return -1;
      const d = compare(ka, kc);
      if (d !== 0) return desc ? -d : d;
      return Number(src.id(a)) - Number(src.id(c));
    });
  } else {
    // Default order: creation order, oldest first.
    matches.sort((a, c) => src.createdAt(a) - src.createdAt(c) || Number(src.id(a)) - Number(src.id(c)));
  }

  return matches;
}
