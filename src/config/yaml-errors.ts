import { basename } from 'node:path';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { type ErrorCode, LeadscoreError } from '../errors.js';

/** One problem in a YAML file, located for a person: `path: message (file:line)`. */
export interface ConfigIssue {
  /** Dotted path with `[index]` for list items, e.g. `engagement.rules[3].points`; empty for the whole file. */
  path: string;
  message: string;
  /** The file's base name. */
  file: string;
  /** 1-based. */
  line: number;
}

export type ConfigErrorCode = Extract<
  ErrorCode,
  'ERR_CONFIG_INVALID' | 'ERR_RULES_INVALID' | 'ERR_SECRET_IN_CONFIG'
>;

/** A LeadscoreError whose message lists every issue, one per line. */
export class ConfigIssuesError extends LeadscoreError {
  readonly issues: readonly ConfigIssue[];

  constructor(
    code: ConfigErrorCode,
    issues: readonly ConfigIssue[],
    options?: { cause?: unknown; hint?: string },
  ) {
    super(code, issues.map(renderIssue).join('\n'), options);
    this.issues = issues;
  }
}

export type PathSegment = string | number;

/** A parsed YAML file, kept with its line table so any node can be located later. */
export interface YamlSource {
  /** The file's base name, as shown in messages. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain data (`doc.toJS()`). */
  data: unknown;
}

export function renderIssue(issue: ConfigIssue): string {
  const where = `(${issue.file}:${issue.line})`;
  return issue.path === '' ? `${issue.message} ${where}` : `${issue.path}: ${issue.message} ${where}`;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Parses YAML text; a syntax error throws `code` naming the file and line. `file` may be a full path: only its
 * base name is shown.
 */
export function parseYaml(
  text: string,
  file: string,
  code: ConfigErrorCode = 'ERR_CONFIG_INVALID',
): YamlSource {
  const name = basename(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error): ConfigIssue => {
      const line = error.linePos?.[0].line ?? lineCounter.linePos(error.pos[0]).line;
      return {
        path: '',
        message: `YAML syntax error: ${describeYamlError(error.message)}`,
        file: name,
        line,
      };
    });
    throw new ConfigIssuesError(code, issues, { cause: doc.errors[0], hint: SYNTAX_HINT });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const issue = { path: '', message: `YAML error: ${(error as Error).message}`, file: name, line: 1 };
    throw new ConfigIssuesError(code, [issue], { cause: error });
  }
  return { file: name, doc, lineCounter, data };
}

const SYNTAX_HINT =
  'Fix the YAML at the named line (indentation, a missing ":", an unclosed bracket or quote); `leadscore validate` re-checks it.';

function describeYamlError(message: string): string {
  const first = (message.split('\n')[0] ?? message)
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/:$/, '');
  // An unquoted cron expression starts with "*", which YAML reads as an alias.
  return /alias/i.test(first)
    ? `${first} (quote values that start with "*", such as cron expressions)`
    : first;
}

/** Parses and validates; throws one ConfigIssuesError listing every problem. */
export function parseYamlWithSchema<S extends z.ZodType>(
  text: string,
  schema: S,
  options: { file: string; code?: ConfigErrorCode },
): z.output<S> {
  const code = options.code ?? 'ERR_CONFIG_INVALID';
  const source = parseYaml(text, options.file, code);
  const result = validateSource(source, schema);
  if (!result.success) throw new ConfigIssuesError(code, result.issues);
  return result.data;
}

export type Validation<T> = { success: true; data: T } | { success: false; issues: ConfigIssue[] };

/**
 * Validates `data` (default: the whole document) against `schema`. `at` is where `data` sits in the document,
 * so a section validated on its own (inline rules) is still reported with its full path and line.
 */
export function validateSource<S extends z.ZodType>(
  source: YamlSource,
  schema: S,
  at: readonly PathSegment[] = [],
  data: unknown = dataAt(source.data, at),
): Validation<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return { success: true, data: result.data };
  const issues = result.error.issues.flatMap((issue) =>
    describeIssue(issue, { schema, data, source, at, base: [] }),
  );
  return { success: false, issues: sortIssues(dedupe(issues)) };
}

export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.path.localeCompare(b.path),
  );
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = renderIssue(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface IssueContext {
  schema: z.ZodType;
  /** The data the schema was given. */
  data: unknown;
  source: YamlSource;
  /** Where `data` sits in the document. */
  at: readonly PathSegment[];
  /** Prefix for issues nested in a union branch (their paths are relative to the union). */
  base: readonly PathSegment[];
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, ctx: IssueContext): ConfigIssue[] {
  const path = [...ctx.base, ...(issue.path as PathSegment[])];
  const value = dataAt(ctx.data, path);
  const sensitive = isSensitivePath([...ctx.at, ...path]);
  const located = (
    relative: readonly PathSegment[],
    message: string,
    lineOf: readonly PathSegment[] = relative,
  ) => ({
    path: formatPath([...ctx.at, ...relative]),
    message,
    file: ctx.source.file,
    line: lineAt(ctx.source, [...ctx.at, ...lineOf]),
  });

  switch (issue.code) {
    case 'invalid_type':
      return [located(path, `expected ${typeNoun(issue.expected)}, got ${describeValue(value, sensitive)}`)];
    case 'invalid_value':
      return [located(path, expectOneOf(issue.values, value))];
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(ctx.schema, path, ctx.data);
      return issue.keys.map((key) => {
        const suggestion = closest(key, allowed);
        const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
        return located(path, `unknown key "${key}"${hint}`, [...path, key]);
      });
    }
    case 'too_small':
      return [
        located(path, bound('small', issue.origin, issue.minimum, issue.inclusive ?? true, value, sensitive)),
      ];
    case 'too_big':
      return [
        located(path, bound('big', issue.origin, issue.maximum, issue.inclusive ?? true, value, sensitive)),
      ];
    case 'invalid_format':
      return [located(path, `${formatExpectation(issue)}, got ${describeValue(value, sensitive)}`)];
    case 'not_multiple_of':
      return [
        located(path, `expected a multiple of ${issue.divisor}, got ${describeValue(value, sensitive)}`),
      ];
    case 'invalid_union': {
      if (issue.discriminator !== undefined) {
        // zod puts the discriminator on the path; report it on the object that lacks a valid one.
        const objectPath = path.at(-1) === issue.discriminator ? path.slice(0, -1) : path;
        const options = ('options' in issue ? (issue.options ?? []) : []).map(String);
        const tag = dataAt(ctx.data, [...objectPath, issue.discriminator]);
        const current = typeof tag === 'string' ? tag : undefined;
        const suggestion = current === undefined ? undefined : closest(current, options);
        const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
        return [
          located(objectPath, `expected ${issue.discriminator} to be one of ${options.join(', ')}${hint}`, [
            ...objectPath,
            issue.discriminator,
          ]),
        ];
      }
      return describeUnion(issue.errors, path, value, sensitive, ctx, located);
    }
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues.flatMap((inner) => describeIssue(inner, { ...ctx, base: path }));
    default:
      return [located(path, issue.message)];
  }
}

/**
 * A plain union failed. If some branch got past the type check (its issues lie deeper than the union), the
 * input was meant for that branch: report its issues. Otherwise say which kinds of value would do.
 */
function describeUnion(
  branches: Issue[][],
  path: PathSegment[],
  value: unknown,
  sensitive: boolean,
  ctx: IssueContext,
  located: (relative: readonly PathSegment[], message: string) => ConfigIssue,
): ConfigIssue[] {
  const deep = branches.filter((branch) =>
    branch.some((inner) => inner.path.length > 0 || isShapeIssue(inner)),
  );
  const chosen = deep.sort((a, b) => a.length - b.length)[0];
  if (chosen !== undefined) return chosen.flatMap((inner) => describeIssue(inner, { ...ctx, base: path }));
  const expectations: string[] = [];
  for (const branch of branches) {
    for (const inner of branch) {
      if (inner.code === 'invalid_type') expectations.push(typeNoun(inner.expected));
      else if (inner.code === 'invalid_value') expectations.push(oneOf(inner.values));
      else if (inner.code === 'invalid_union' && inner.errors.length > 0)
        expectations.push('another accepted form');
      else expectations.push(inner.message);
    }
  }
  const unique = [...new Set(expectations)];
  const last = unique.pop();
  const list = unique.length === 0 ? last : `${unique.join(', ')} or ${last}`;
  return [located(path, `expected ${list}, got ${describeValue(value, sensitive)}`)];
}

/** Issues that mean "right type, wrong contents" even at the union's own level. */
function isShapeIssue(issue: Issue): boolean {
  return issue.code === 'unrecognized_keys' || issue.code === 'custom';
}

function typeNoun(expected: string): string {
  const nouns: Record<string, string> = {
    string: 'text',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    object: 'a mapping (key: value lines)',
    array: 'a list',
    record: 'a mapping (key: value lines)',
    null: 'nothing',
    date: 'a date',
    bigint: 'a whole number',
    nan: 'NaN',
  };
  return nouns[expected] ?? expected;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? v : String(v)));
  return shown.length === 1 ? `${JSON.stringify(values[0])}` : `one of ${shown.join(', ')}`;
}

function expectOneOf(values: readonly unknown[], value: unknown): string {
  if (values.length === 1) return `expected ${oneOf(values)}, got ${describeValue(value, false)}`;
  const options = values.filter((v): v is string => typeof v === 'string');
  const suggestion = typeof value === 'string' ? closest(value, options) : undefined;
  return `expected ${oneOf(values)}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`;
}

function bound(
  side: 'small' | 'big',
  origin: string,
  limit: number | bigint,
  inclusive: boolean,
  value: unknown,
  sensitive: boolean,
): string {
  const word =
    side === 'small' ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  const unit =
    origin === 'string'
      ? ` character${limit === 1 ? '' : 's'}`
      : origin === 'array' || origin === 'set'
        ? ` item${limit === 1 ? '' : 's'}`
        : '';
  const got =
    origin === 'array' && Array.isArray(value)
      ? `${value.length}`
      : origin === 'string' && typeof value === 'string'
        ? `${value.length}`
        : describeValue(value, sensitive);
  return `expected ${word} ${limit}${unit}, got ${got}`;
}

function formatExpectation(issue: z.core.$ZodIssueInvalidStringFormat): string {
  // The project's own messages start with "expected"; zod's defaults do not.
  if (issue.message.startsWith('expected')) return issue.message;
  switch (issue.format) {
    case 'url':
      return 'expected a URL such as https://example.com';
    case 'email':
      return 'expected an email address';
    case 'regex':
      return `expected text matching ${issue.pattern ?? 'the pattern'}`;
    default:
      return `expected ${issue.format}`;
  }
}

/** Secret values are never shown, even when wrong. */
export function describeValue(value: unknown, sensitive: boolean): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (sensitive) return 'a value (not shown: it may be a secret)';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

/** Keys whose values are secrets: token, password, secret, clientSecret, refreshToken, apiKey, privateKey... */
export function isSecretKey(key: string): boolean {
  return /(token|password|passwd|secret|apikey|privatekey|accesskey)$/.test(
    key.toLowerCase().replace(/[-_]/g, ''),
  );
}

function isSensitivePath(path: readonly PathSegment[]): boolean {
  return path.some((segment) => typeof segment === 'string' && isSecretKey(segment));
}

export function dataAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/**
 * The 1-based line of the node at `path`: a mapping value is located by its key (a nested block starts on the
 * line after its key, where a person would not look), a list item by its dash. A missing node falls back to
 * the nearest parent that exists.
 */
export function lineAt(source: YamlSource, path: readonly PathSegment[]): number {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyOf(item.key) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else break;
  }
  return source.lineCounter.linePos(offset).line;
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  return node !== null && typeof node === 'object' && 'range' in node
    ? ((node as Node).range?.[0] ?? undefined)
    : undefined;
}

/** The keys a strict object at `path` accepts, found by walking the schema alongside the data. */
export function allowedKeysAt(schema: z.ZodType, path: readonly PathSegment[], data: unknown): string[] {
  const keys = new Set<string>();
  const visit = (node: z.ZodType, rest: readonly PathSegment[], value: unknown, depth: number): void => {
    if (depth > 64) return;
    const inner = unwrap(node);
    if (inner instanceof z.ZodObject) {
      const shape = inner.shape as Record<string, z.ZodType>;
      if (rest.length === 0) {
        for (const key of Object.keys(shape)) keys.add(key);
        return;
      }
      const [head, ...tail] = rest;
      const child = shape[String(head)];
      if (child) visit(child, tail, dataAt(value, [head as PathSegment]), depth + 1);
    } else if (inner instanceof z.ZodArray) {
      const [head, ...tail] = rest;
      if (typeof head === 'number') visit(inner.element as z.ZodType, tail, dataAt(value, [head]), depth + 1);
    } else if (inner instanceof z.ZodRecord) {
      const [head, ...tail] = rest;
      if (head !== undefined) visit(inner.valueType as z.ZodType, tail, dataAt(value, [head]), depth + 1);
    } else if (inner instanceof z.ZodUnion) {
      const options = inner.options as readonly z.ZodType[];
      const discriminator = (inner as unknown as { _zod: { def: { discriminator?: string } } })._zod.def
        .discriminator;
      const tag = discriminator === undefined ? undefined : dataAt(value, [discriminator]);
      const matching =
        discriminator === undefined
          ? options
          : options.filter((option) => literalValues(unwrap(option), discriminator).includes(tag));
      for (const option of matching) visit(option, rest, value, depth + 1);
    } else if (inner instanceof z.ZodLazy) {
      visit(inner.unwrap() as z.ZodType, rest, value, depth + 1);
    }
  };
  visit(schema, path, data, 0);
  return [...keys];
}

function literalValues(option: z.ZodType, key: string): unknown[] {
  if (!(option instanceof z.ZodObject)) return [];
  const field = unwrap((option.shape as Record<string, z.ZodType>)[key] ?? z.never());
  if (field instanceof z.ZodLiteral) return [...field.values];
  if (field instanceof z.ZodEnum) return field.options as unknown[];
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 32; i++) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodReadonly ||
      current instanceof z.ZodCatch ||
      current instanceof z.ZodNonOptional
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else break;
  }
  return current;
}

/** The closest candidate by edit distance (ignoring case), if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Optimal string alignment distance: a swapped pair of letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i]![j] = value;
    }
  }
  return at(a.length, b.length);
}
