/** JSON of a flat object with its keys sorted, so equal content always gives equal text. */
export function canonicalFlatJson(value: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(value).sort();
  const sorted: Record<string, unknown> = {};
  for (const key of keys) sorted[key] = value[key];
  return JSON.stringify(sorted);
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
