import { type Document, isMap, isPair, isScalar, isSeq, parse, parseDocument } from 'yaml';

/**
 * Writes an edited value back into the YAML it came from, changing only the nodes whose value changed: the
 * comments, key order and flow style of everything else survive, so the file a person reads after a console
 * save is still theirs. `at` is where the value sits in the document ([] for a whole rules file, ['rules'] for
 * rules inline in the config file).
 */
export function rewriteYaml(text: string, at: readonly string[], value: unknown): string {
  const doc = parseDocument(text);
  const node = at.length === 0 ? doc.contents : doc.getIn(at, true);
  const updated = sync(doc, node, value);
  if (at.length === 0) doc.contents = updated as typeof doc.contents;
  else if (updated !== node) doc.setIn(at, updated);
  const out = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  // Belt and braces: what we wrote must read back as the value.
  const reread = at.reduce<unknown>(
    (current, key) => (current as Record<string, unknown>)?.[key],
    parse(out),
  );
  if (!sameValue(reread, value)) {
    return at.length === 0 ? new (doc.constructor as typeof Document)(value).toString() : out;
  }
  return out;
}

/** Deep equality that ignores key order (the file keeps its own order). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameValue(item, b[i]))
    );
  }
  if (!plainObject(a) || !plainObject(b)) return false;
  const keys = Object.keys(a).filter((key) => a[key] !== undefined);
  const other = Object.keys(b).filter((key) => b[key] !== undefined);
  return keys.length === other.length && keys.every((key) => sameValue(a[key], b[key]));
}

function plainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sync(doc: Document, node: unknown, value: unknown): unknown {
  if (isMap(node) && plainObject(value)) {
    node.items = node.items.filter(
      (item) => isPair(item) && Object.hasOwn(value, String(isScalar(item.key) ? item.key.value : item.key)),
    );
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === key);
      if (pair) pair.value = sync(doc, pair.value, child) as typeof pair.value;
      else node.items.push(doc.createPair(key, child));
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(value)) {
    node.items = node.items.slice(0, value.length).map((item, index) => sync(doc, item, value[index]));
    for (let index = node.items.length; index < value.length; index++)
      node.items.push(doc.createNode(value[index]));
    return node;
  }
  if (isScalar(node) && (value === null || typeof value !== 'object')) {
    if (node.value !== value) node.value = value;
    return node;
  }
  return doc.createNode(value);
}

export interface DiffLine {
  op: ' ' | '+' | '-';
  line: string;
}

/** A line diff (longest common subsequence): enough for rules files of a few hundred lines. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', line: a[i++]! });
    else out.push({ op: '+', line: b[j++]! });
  }
  while (i < n) out.push({ op: '-', line: a[i++]! });
  while (j < m) out.push({ op: '+', line: b[j++]! });
  return out;
}
