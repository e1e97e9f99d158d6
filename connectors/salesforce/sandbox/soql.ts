/**
 * A SOQL subset: SELECT fields (and parent-relationship paths such as Account.Name) or COUNT(),
 * FROM one object, WHERE with comparisons, IN / NOT IN, LIKE, AND / OR / NOT and parentheses,
 * ORDER BY with ASC/DESC and NULLS FIRST/LAST, LIMIT and OFFSET.
 * Errors reproduce the Salesforce message shape ("\n<query>\n   ^\nERROR at Row:1:Column:N\n<text>").
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm
 */
import { formatValue, parseDate, parseDateTime } from './format.js';
import { parseId } from './ids.js';
import type { FieldDef } from './schema.js';
import type { Table, Value } from './table.js';

const DAY = 86_400_000;

export class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TableLookup {
  table(name: string): Table | undefined;
  tableByPrefix(prefix: string): Table | undefined;
}

type TokenKind = 'ident' | 'string' | 'number' | 'datetime' | 'date' | 'op' | 'punct' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const TOKEN =
  /\s*(?:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))|(\d{4}-\d{2}-\d{2})(?![\dT])|('(?:\\.|[^'\\])*')|(-?\d+(?:\.\d+)?)(?![\w])|([A-Za-z_][\w.]*(?::\d+)?)|(!=|<>|<=|>=|=|<|>)|([(),]))/y;

function tokenize(soql: string, fail: (pos: number, text: string) => never): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < soql.length) {
    if (/^\s*$/.test(soql.slice(index))) break;
    TOKEN.lastIndex = index;
    const m = TOKEN.exec(soql);
    if (!m) {
      const at = index + (soql.slice(index).length - soql.slice(index).trimStart().length);
      fail(at, `unexpected token: ${soql.slice(at).split(/\s/)[0]}`);
    }
    const pos = m.index + (m[0].length - m[0].trimStart().length);
    const kinds: TokenKind[] = ['datetime', 'date', 'string', 'number', 'ident', 'op', 'punct'];
    for (let g = 1; g <= 7; g++) {
      if (m[g] !== undefined) {
        tokens.push({ kind: kinds[g - 1] as TokenKind, text: m[g] as string, pos });
        break;
      }
    }
    index = TOKEN.lastIndex;
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: soql.length });
  return tokens;
}

/** Resolved field reference: zero or more parent hops, then a field on the last object. */
export interface FieldPath {
  text: string;
  /** `target` undefined: a polymorphic hop (Who, What) resolved from the id's key prefix. */
  hops: { field: FieldDef; target: Table | undefined }[];
  field: FieldDef;
  table: Table;
}

interface Literal {
  kind: 'string' | 'number' | 'boolean' | 'null' | 'datetime' | 'date' | 'range';
  value: Value;
  end?: number;
  pos: number;
  text: string;
}

export interface CompiledQuery {
  table: Table;
  lookup: TableLookup;
  countOnly: boolean;
  select: FieldPath[];
  where: ((row: number) => boolean) | undefined;
  order: { path: FieldPath; desc: boolean; nullsLast: boolean }[];
  limit: number | undefined;
  offset: number;
}

/** Fields of the Name object, reachable through polymorphic relationships such as Task.Who. */
const NAME_FIELDS: FieldDef[] = (
  [
    ['Id', 'id'],
    ['Type', 'string'],
    ['Name', 'string'],
    ['FirstName', 'string'],
    ['LastName', 'string'],
    ['Email', 'email'],
    ['Title', 'string'],
  ] as const
).map(([name, type]) => ({
  name,
  type,
  label: name,
  length: 255,
  custom: false,
  updateable: false,
  createable: false,
  nillable: true,
}));

const KEYWORDS = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'not',
  'in',
  'like',
  'order',
  'by',
  'limit',
  'offset',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'group',
  'having',
  'with',
  'for',
  'using',
  'includes',
  'excludes',
]);

export function compileQuery(soql: string, org: TableLookup, now: number): CompiledQuery {
  const fail = (pos: number, text: string, code = 'MALFORMED_QUERY'): never => {
    const lines = soql.split('\n');
    let row = 0;
    let col = pos;
    while (row < lines.length - 1 && col > (lines[row] as string).length) {
      col -= (lines[row] as string).length + 1;
      row++;
    }
    throw new SoqlError(
      code,
      `\n${lines[row]}\n${' '.repeat(col)}^\nERROR at Row:${row + 1}:Column:${col + 1}\n${text}`,
    );
  };
  const tokens = tokenize(soql, fail);
  let i = 0;
  const peek = () => tokens[i] as Token;
  const next = () => tokens[i++] as Token;
  const isKw = (t: Token, kw: string) => t.kind === 'ident' && t.text.toLowerCase() === kw;
  const expectKw = (kw: string) => {
    const t = next();
    if (!isKw(t, kw)) fail(t.pos, `unexpected token: ${t.text}`);
  };

  expectKw('select');
  const rawSelect: Token[] = [];
  let countOnly = false;
  if (isKw(peek(), 'count') && tokens[i + 1]?.text === '(') {
    next();
    next();
    if (peek().text !== ')') fail(peek().pos, 'The sandbox supports COUNT() only, not aggregate functions');
    next();
    countOnly = true;
  } else {
    for (;;) {
      const t = next();
      if (t.kind !== 'ident' || KEYWORDS.has(t.text.toLowerCase()))
        fail(t.pos, `unexpected token: ${t.text}`);
      if (peek().text === '(') fail(t.pos, 'The sandbox does not support functions in SELECT');
      rawSelect.push(t);
      if (peek().text !== ',') break;
      next();
    }
  }
  expectKw('from');
  const objTok = next();
  if (objTok.kind !== 'ident') fail(objTok.pos, `unexpected token: ${objTok.text}`);
  const table = org.table(objTok.text);
  if (!table) {
    fail(
      objTok.pos,
      `sObject type '${objTok.text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_TYPE',
    );
  }
  const base = table as Table;
  const lookupRef = org;

  const resolve = (t: Token): FieldPath => {
    const parts = t.text.split('.');
    let current = base;
    const hops: FieldPath['hops'] = [];
    let offset = 0;
    for (let p = 0; p < parts.length - 1; p++) {
      const rel = parts[p] as string;
      const ref = current.fields.find((f) => f.relationshipName?.toLowerCase() === rel.toLowerCase());
      if (!ref) {
        fail(
          t.pos + offset,
          `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
          'INVALID_FIELD',
        );
      }
      const refDef = ref as FieldDef;
      if ((refDef.referenceTo ?? []).length > 1) {
        // Polymorphic relationships expose the Name object's fields only.
        const name = parts[parts.length - 1] as string;
        const nameField = NAME_FIELDS.find((f) => f.name.toLowerCase() === name.toLowerCase());
        if (p !== parts.length - 2 || !nameField) {
          fail(
            t.pos + offset + rel.length + 1,
            `No such column '${name}' on entity 'Name'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
            'INVALID_FIELD',
          );
        }
        hops.push({ field: refDef, target: undefined });
        return { text: t.text, hops, field: nameField as FieldDef, table: current };
      }
      const target = org.table((refDef.referenceTo as string[])[0] as string);
      if (!target) fail(t.pos, `The sandbox does not serve ${(refDef.referenceTo as string[])[0]}`);
      hops.push({ field: refDef, target: target as Table });
      current = target as Table;
      offset += rel.length + 1;
    }
    const name = parts[parts.length - 1] as string;
    const field = current.field(name);
    if (!field) {
      fail(
        t.pos + offset,
        `No such column '${name}' on entity '${current.def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        'INVALID_FIELD',
      );
    }
    return { text: t.text, hops, field: field as FieldDef, table: current };
  };

  const select: FieldPath[] = [];
  const seen = new Set<string>();
  for (const t of rawSelect) {
    const path = resolve(t);
    const key = t.text.toLowerCase();
    if (seen.has(key)) fail(t.pos, `duplicate field selected: ${path.field.name}`);
    seen.add(key);
    select.push(path);
  }

  const literal = (): Literal => {
    const t = next();
    const lower = t.text.toLowerCase();
    switch (t.kind) {
      case 'string':
        return {
          kind: 'string',
          value: t.text.slice(1, -1).replace(/\\(.)/g, '$1'),
          pos: t.pos,
          text: t.text,
        };
      case 'number':
        return { kind: 'number', value: Number(t.text), pos: t.pos, text: t.text };
      case 'datetime': {
        const ms = parseDateTime(t.text);
        if (ms === undefined) fail(t.pos, `line 1:${t.pos} no viable alternative at character '${t.text}'`);
        return { kind: 'datetime', value: ms as number, pos: t.pos, text: t.text };
      }
      case 'date': {
        const ms = parseDate(t.text);
        if (ms === undefined) fail(t.pos, `unexpected token: ${t.text}`);
        return { kind: 'date', value: ms as number, pos: t.pos, text: t.text };
      }
      case 'ident': {
        if (lower === 'true' || lower === 'false')
          return { kind: 'boolean', value: lower === 'true', pos: t.pos, text: t.text };
        if (lower === 'null') return { kind: 'null', value: null, pos: t.pos, text: t.text };
        const today = Math.floor(now / DAY) * DAY;
        if (lower === 'today')
          return { kind: 'range', value: today, end: today + DAY, pos: t.pos, text: t.text };
        if (lower === 'yesterday')
          return { kind: 'range', value: today - DAY, end: today, pos: t.pos, text: t.text };
        const m = /^last_n_days:(\d+)$/.exec(lower);
        if (m)
          return {
            kind: 'range',
            value: today - Number(m[1]) * DAY,
            end: today + DAY,
            pos: t.pos,
            text: t.text,
          };
        return fail(t.pos, `unexpected token: ${t.text}`);
      }
      default:
        return fail(t.pos, `unexpected token: ${t.text}`);
    }
  };

  const typeName = (f: FieldDef): string =>
    f.type === 'datetime' ? 'dateTime' : f.type === 'int' || f.type === 'currency' ? 'double' : f.type;
  const checkLiteral = (path: FieldPath, lit: Literal): void => {
    if (lit.kind === 'null') return;
    const f = path.field;
    const wrong = (quoted: boolean) =>
      fail(
        lit.pos,
        `value of filter criterion for field '${f.name}' must be of type ${typeName(f)} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
        'INVALID_FIELD',
      );
    switch (f.type) {
      case 'datetime':
        if (lit.kind !== 'datetime' && lit.kind !== 'range') wrong(false);
        return;
      case 'date':
        if (lit.kind !== 'date' && lit.kind !== 'range') wrong(false);
        return;
      case 'boolean':
        if (lit.kind !== 'boolean') wrong(false);
        return;
      case 'int':
      case 'double':
      case 'currency':
        if (lit.kind !== 'number') wrong(false);
        return;
      case 'id':
      case 'reference':
        if (lit.kind !== 'string') wrong(true);
        if (lit.value !== '' && !parseId(lit.value as string)) {
          throw new SoqlError(
            'INVALID_QUERY_FILTER_OPERATOR',
            `\n${soql}\n${' '.repeat(lit.pos)}^\nERROR at Row:1:Column:${lit.pos + 1}\ninvalid ID field: ${lit.value}`,
          );
        }
        return;
      default:
        if (lit.kind !== 'string') wrong(true);
    }
  };

  const getter = (path: FieldPath): ((row: number) => Value) => {
    if (path.hops.length === 0) {
      const name = path.field.name;
      return (row) => base.get(row, name);
    }
    return (row) => followValue(lookupRef, base, row, path);
  };

  const normalise = (path: FieldPath, v: Value): Value => {
    if (v === null) return null;
    if (path.field.type === 'id' || path.field.type === 'reference') return (v as string).slice(0, 15);
    if (typeof v === 'string') return v.toLowerCase();
    return v;
  };

  const comparison = (): ((row: number) => boolean) => {
    const fieldTok = next();
    if (fieldTok.kind !== 'ident' || KEYWORDS.has(fieldTok.text.toLowerCase()))
      fail(fieldTok.pos, `unexpected token: ${fieldTok.text}`);
    const path = resolve(fieldTok);
    const get = getter(path);
    let negate = false;
    if (isKw(peek(), 'not')) {
      next();
      negate = true;
      if (!isKw(peek(), 'in')) fail(peek().pos, `unexpected token: ${peek().text}`);
    }
    if (isKw(peek(), 'in')) {
      next();
      if (next().text !== '(') fail(tokens[i - 1]?.pos ?? 0, `unexpected token: ${tokens[i - 1]?.text}`);
      if (isKw(peek(), 'select')) {
        // Semi-join: WhoId IN (SELECT Id FROM Lead WHERE …), one id or reference field selected.
        const open = tokens[i - 1] as Token;
        let depth = 1;
        let j = i;
        while (depth > 0 && (tokens[j] as Token).kind !== 'eof') {
          const text = (tokens[j] as Token).text;
          if (text === '(') depth++;
          if (text === ')') depth--;
          j++;
        }
        if (depth !== 0) fail((tokens[j] as Token).pos, `unexpected token: ${(tokens[j] as Token).text}`);
        const close = tokens[j - 1] as Token;
        const inner = compileQuery(soql.slice(open.pos + 1, close.pos), org, now);
        const selected = inner.select[0];
        if (
          inner.countOnly ||
          inner.select.length !== 1 ||
          !selected ||
          selected.hops.length > 0 ||
          !['id', 'reference'].includes(selected.field.type)
        ) {
          fail(open.pos + 1, 'The selected field in a semi join subquery must be an Id or reference field');
        }
        if (path.field.type !== 'id' && path.field.type !== 'reference')
          fail(fieldTok.pos, 'Semi join subqueries need an Id or reference field on the left');
        i = j;
        let ids: Set<string> | undefined;
        const innerField = (selected as FieldPath).field.name;
        return (row) => {
          if (!ids) {
            ids = new Set();
            for (const r of runQuery(inner, false)) {
              const v = inner.table.get(r, innerField);
              if (typeof v === 'string') ids.add(v.slice(0, 15));
            }
          }
          const v = get(row);
          return (typeof v === 'string' && ids.has(v.slice(0, 15))) !== negate;
        };
      }
      const values = new Set<Value>();
      for (;;) {
        const lit = literal();
        checkLiteral(path, lit);
        values.add(normalise(path, lit.value));
        const sep = next();
        if (sep.text === ')') break;
        if (sep.text !== ',') fail(sep.pos, `unexpected token: ${sep.text}`);
      }
      return (row) => values.has(normalise(path, get(row))) !== negate;
    }
    if (isKw(peek(), 'like')) {
      next();
      const lit = literal();
      if (lit.kind !== 'string') fail(lit.pos, `unexpected token: ${lit.text}`);
      const pattern = new RegExp(
        `^${(lit.value as string)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        'is',
      );
      return (row) => {
        const v = get(row);
        return typeof v === 'string' && pattern.test(v);
      };
    }
    const op = next();
    if (op.kind !== 'op') fail(op.pos, `unexpected token: ${op.text}`);
    const lit = literal();
    checkLiteral(path, lit);
    if (lit.kind === 'null') {
      if (op.text === '=') return (row) => get(row) === null;
      if (op.text === '!=' || op.text === '<>') return (row) => get(row) !== null;
      fail(lit.pos, `unexpected token: ${lit.text}`);
    }
    const cmp = (a: Value, b: Value): number => {
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
      const sa = String(a);
      const sb = String(b);
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    };
    if (lit.kind === 'range') {
      const start = lit.value as number;
      const end = lit.end as number;
      const test: Record<string, (v: number) => boolean> = {
        '=': (v) => v >= start && v < end,
        '!=': (v) => v < start || v >= end,
        '<>': (v) => v < start || v >= end,
        '<': (v) => v < start,
        '<=': (v) => v < end,
        '>': (v) => v >= end,
        '>=': (v) => v >= start,
      };
      const t = test[op.text] as (v: number) => boolean;
      return (row) => {
        const v = get(row);
        return typeof v === 'number' && t(v);
      };
    }
    const target = normalise(path, lit.value);
    switch (op.text) {
      case '=':
        return (row) => normalise(path, get(row)) === target;
      case '!=':
      case '<>':
        return (row) => normalise(path, get(row)) !== target;
      default: {
        const want = {
          '<': (c: number) => c < 0,
          '<=': (c: number) => c <= 0,
          '>': (c: number) => c > 0,
          '>=': (c: number) => c >= 0,
        }[op.text as '<' | '<=' | '>' | '>='];
        return (row) => {
          const v = normalise(path, get(row));
          return v !== null && want(cmp(v, target));
        };
      }
    }
  };

  const factor = (): ((row: number) => boolean) => {
    if (isKw(peek(), 'not')) {
      next();
      const inner = factor();
      return (row) => !inner(row);
    }
    if (peek().text === '(') {
      next();
      const inner = condition();
      const close = next();
      if (close.text !== ')') fail(close.pos, `unexpected token: ${close.text}`);
      return inner;
    }
    return comparison();
  };

  // SOQL refuses to mix AND and OR at one level without parentheses.
  const condition = (): ((row: number) => boolean) => {
    const first = factor();
    if (!isKw(peek(), 'and') && !isKw(peek(), 'or')) return first;
    const joiner = peek().text.toLowerCase();
    const parts = [first];
    while (isKw(peek(), 'and') || isKw(peek(), 'or')) {
      const t = next();
      if (t.text.toLowerCase() !== joiner) fail(t.pos, `unexpected token: ${t.text}`);
      parts.push(factor());
    }
    return joiner === 'and' ? (row) => parts.every((p) => p(row)) : (row) => parts.some((p) => p(row));
  };

  let where: CompiledQuery['where'];
  if (isKw(peek(), 'where')) {
    next();
    where = condition();
  }

  const order: CompiledQuery['order'] = [];
  if (isKw(peek(), 'order')) {
    next();
    expectKw('by');
    for (;;) {
      const t = next();
      if (t.kind !== 'ident' || KEYWORDS.has(t.text.toLowerCase()))
        fail(t.pos, `unexpected token: ${t.text}`);
      const path = resolve(t);
      let desc = false;
      if (isKw(peek(), 'asc')) next();
      else if (isKw(peek(), 'desc')) {
        next();
        desc = true;
      }
      let nullsLast = desc;
      if (isKw(peek(), 'nulls')) {
        next();
        const which = next();
        if (isKw(which, 'first')) nullsLast = false;
        else if (isKw(which, 'last')) nullsLast = true;
        else fail(which.pos, `unexpected token: ${which.text}`);
      }
      order.push({ path, desc, nullsLast });
      if (peek().text !== ',') break;
      next();
    }
  }

  let limit: number | undefined;
  let offset = 0;
  if (isKw(peek(), 'limit')) {
    next();
    const t = next();
    if (t.kind !== 'number' || !Number.isInteger(Number(t.text)) || Number(t.text) < 0)
      fail(t.pos, `unexpected token: ${t.text}`);
    limit = Number(t.text);
  }
  if (isKw(peek(), 'offset')) {
    next();
    const t = next();
    if (t.kind !== 'number' || !Number.isInteger(Number(t.text))) fail(t.pos, `unexpected token: ${t.text}`);
    offset = Number(t.text);
    // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_offset.htm
    if (offset > 2000)
      throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`);
  }
  const rest = peek();
  if (rest.kind !== 'eof') {
    if (
      isKw(rest, 'group') ||
      isKw(rest, 'having') ||
      isKw(rest, 'for') ||
      isKw(rest, 'with') ||
      isKw(rest, 'using')
    ) {
      fail(rest.pos, `The sandbox does not support ${rest.text.toUpperCase()} clauses`);
    }
    fail(rest.pos, `unexpected token: ${rest.text}`);
  }
  return { table: base, lookup: org, countOnly, select, where, order, limit, offset };
}

/** Matching rows in result order. `includeDeleted` is queryAll. */
export function runQuery(q: CompiledQuery, includeDeleted: boolean): Int32Array {
  const table = q.table;
  const matched: number[] = [];
  const where = q.where;
  // query hides deleted rows and archived activities; queryAll returns both.
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm
  const archivable = table.field('IsArchived') !== undefined;
  for (let row = 0; row < table.rows; row++) {
    if (
      !includeDeleted &&
      (table.get(row, 'IsDeleted') === true || (archivable && table.get(row, 'IsArchived') === true))
    )
      continue;
    if (where && !where(row)) continue;
    matched.push(row);
  }
  let rows = Int32Array.from(matched);
  if (q.order.length > 0) {
    const n = rows.length;
    // Sort keys are extracted once; ids sort by row (ids are minted in row order), numbers into typed arrays.
    const keys = q.order.map((o) => {
      const sign = o.desc ? -1 : 1;
      const nullRank = o.nullsLast ? 1 : -1;
      if (o.path.hops.length === 0 && o.path.field.name === 'Id') {
        return { num: Float64Array.from(rows), any: undefined, sign, nullRank };
      }
      const get = pathGetter(q, o.path);
      const ci = o.path.field.type !== 'id' && o.path.field.type !== 'reference';
      const first = n > 0 ? get(rows[0] as number) : null;
      const numeric =
        ['int', 'double', 'currency', 'datetime', 'date'].includes(o.path.field.type) ||
        typeof first === 'number';
      if (numeric) {
        const num = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          const v = get(rows[k] as number);
          num[k] = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number.NaN;
        }
        return { num, any: undefined, sign, nullRank };
      }
      const any: Value[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const v = get(rows[k] as number);
        any[k] = ci && typeof v === 'string' ? v.toLowerCase() : v;
      }
      return { num: undefined, any, sign, nullRank };
    });
    const idx = new Uint32Array(n);
    for (let k = 0; k < n; k++) idx[k] = k;
    idx.sort((a, b) => {
      for (const key of keys) {
        if (key.num) {
          const va = key.num[a] as number;
          const vb = key.num[b] as number;
          if (va === vb) continue;
          if (Number.isNaN(va)) {
            if (Number.isNaN(vb)) continue;
            return key.nullRank;
          }
          if (Number.isNaN(vb)) return -key.nullRank;
          return va < vb ? -key.sign : key.sign;
        }
        const va = (key.any as Value[])[a] as Value;
        const vb = (key.any as Value[])[b] as Value;
        if (va === vb) continue;
        if (va === null) return key.nullRank;
        if (vb === null) return -key.nullRank;
        return va < vb ? -key.sign : key.sign;
      }
      return a - b;
    });
    const sorted = new Int32Array(n);
    for (let k = 0; k < n; k++) sorted[k] = rows[idx[k] as number] as number;
    rows = sorted;
  }
  const start = Math.min(q.offset, rows.length);
  const end = q.limit === undefined ? rows.length : Math.min(rows.length, start + q.limit);
  return start === 0 && end === rows.length ? rows : rows.slice(start, end);
}

function pathGetter(q: CompiledQuery, path: FieldPath): (row: number) => Value {
  return (row) => followValue(q.lookup, q.table, row, path);
}

/** Follows one parent hop; undefined when the reference is empty or dangling. */
function hopTo(lookup: TableLookup, table: Table, row: number, hop: FieldPath['hops'][number]) {
  const id = table.get(row, hop.field.name);
  if (typeof id !== 'string') return undefined;
  const parsed = parseId(id);
  if (!parsed) return undefined;
  const target = hop.target ?? lookup.tableByPrefix(parsed.prefix);
  if (!target?.exists(parsed.row)) return undefined;
  return { table: target as Table, row: parsed.row };
}

function leafValue(table: Table, row: number, field: FieldDef): Value {
  if (field.name === 'Type' && !table.field('Type')) return table.def.name;
  return table.field(field.name) ? table.get(row, field.name) : null;
}

function followValue(lookup: TableLookup, base: Table, row: number, path: FieldPath): Value {
  let at: { table: Table; row: number } | undefined = { table: base, row };
  for (const hop of path.hops) {
    at = hopTo(lookup, at.table, at.row, hop);
    if (!at) return null;
  }
  return path.hops.length === 0
    ? at.table.get(at.row, path.field.name)
    : leafValue(at.table, at.row, path.field);
}

function attributes(table: Table, row: number, version: string) {
  return {
    type: table.def.name,
    url: `/services/data/v${version}/sobjects/${table.def.name}/${table.id(row)}`,
  };
}

/** One record as the REST API returns it: attributes first, then fields in SELECT order. */
export function materialize(q: CompiledQuery, row: number, version: string): Record<string, unknown> {
  const record: Record<string, unknown> = { attributes: attributes(q.table, row, version) };
  for (const path of q.select) {
    if (path.hops.length === 0) {
      record[path.field.name] = formatValue(path.field.type, q.table.get(row, path.field.name));
      continue;
    }
    let holder = record;
    let at: { table: Table; row: number } | undefined = { table: q.table, row };
    for (const hop of path.hops) {
      const key = hop.field.relationshipName as string;
      const next = hopTo(q.lookup, at.table, at.row, hop);
      if (!next) {
        if (!(key in holder)) holder[key] = null;
        at = undefined;
        break;
      }
      let child = holder[key] as Record<string, unknown> | null | undefined;
      if (!child) {
        child = { attributes: attributes(next.table, next.row, version) };
        holder[key] = child;
      }
      holder = child;
      at = next;
    }
    if (at) holder[path.field.name] = formatValue(path.field.type, leafValue(at.table, at.row, path.field));
  }
  return record;
}
