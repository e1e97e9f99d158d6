import { parse, stringify } from 'yaml';
import type { z } from 'zod';
import { EVENT_TYPES } from '../crm/vocabulary.js';
import { type RuleSet, ruleSetSchema } from '../scoring/rules-schema.js';
import { csrfInput, field, type Html, html, select, textarea } from './html.js';

/**
 * The rules editor's form: built from the rules file's raw YAML value (not the parsed rule set, so defaults
 * are not written into the file), read back into a raw value, and validated by the rules schema itself; each
 * problem is shown next to the field it is about.
 */

export type Raw = Record<string, unknown>;
export type FormBody = Record<string, string | string[] | undefined>;
export type FieldErrors = Record<string, string>;

const SECTIONS = ['fit', 'engagement', 'negative'] as const;
type Section = (typeof SECTIONS)[number];
/** Rule keys with their own input; the rest of a rule is edited as YAML in its "details" box. */
const OWN_INPUTS = new Set(['id', 'kind', 'label', 'points', 'cap']);

function obj(value: unknown): Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};
}
function list(value: unknown): Raw[] {
  return Array.isArray(value) ? (value as Raw[]) : [];
}
function get(raw: Raw, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (current, key) =>
        current !== null && typeof current === 'object'
          ? (current as Record<string, unknown>)[key]
          : undefined,
      raw,
    );
}
function first(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}
function hasCap(section: Section, rule: Raw): boolean {
  return section === 'engagement' || (section === 'negative' && rule.kind === 'event');
}
function details(rule: Raw): string {
  const rest = Object.fromEntries(Object.entries(rule).filter(([key]) => !OWN_INPUTS.has(key)));
  return Object.keys(rest).length === 0 ? '' : stringify(rest, { lineWidth: 0 }).trimEnd();
}

/** The scalar settings: name, label, optional hint. */
const SETTINGS: ReadonlyArray<readonly [string, string, string?]> = [
  ['fit.min', 'Fit minimum'],
  ['fit.max', 'Fit maximum'],
  ['engagement.min', 'Engagement minimum'],
  ['engagement.max', 'Engagement maximum'],
  ['total.min', 'Total minimum'],
  ['total.max', 'Total maximum'],
  ['engagement.expireAfterDays', 'Ignore events older than (days)'],
  ['fit.decay.afterDays', 'Fit decays after (days)', 'empty: fit does not decay'],
  ['fit.decay.halfLifeDays', 'Fit half-life (days)'],
];
const DECAY_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['engagement.decay.days', 'Half-life (days)'],
  ['engagement.decay.percent', 'Linear: percent lost'],
  ['engagement.decay.everyDays', 'Linear: every (days)'],
];
const BAND_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['bands.fit.A', 'Fit A from'],
  ['bands.fit.B', 'Fit B from'],
  ['bands.fit.C', 'Fit C from'],
  ['bands.engagement.1', 'Engagement 1 from'],
  ['bands.engagement.2', 'Engagement 2 from'],
];
const REASON_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['reasons.top', 'Reasons shown'],
  ['reasons.maxLength', 'Reasons text length'],
];

export interface FormState {
  raw: Raw;
  /** What the person typed, shown again when the form has errors. */
  typed?: FormBody;
  errors?: FieldErrors;
  /** Problems not tied to one field. */
  general?: string[];
  /** Hash of the file text the form was built from: a save over a file changed meanwhile is refused. */
  base: string;
  csrf: string;
}

export function renderRulesForm(state: FormState): Html {
  const { raw } = state;
  const errors = state.errors ?? {};
  const typed = state.typed;
  const value = (name: string, fallback: unknown): string =>
    typed ? first(typed[name]) : fallback === undefined || fallback === null ? '' : String(fallback);
  const num = (name: string, label: string, hint?: string) =>
    field({
      name,
      label,
      type: 'number',
      value: value(name, get(raw, name)),
      error: errors[name],
      ...(hint ? { hint } : {}),
    });
  const decay = obj(obj(raw.engagement).decay);
  const stages = list(raw.stages);
  const ruleBlocks = SECTIONS.map((section) => {
    const rules = list(obj(raw[section]).rules);
    return html`<section aria-labelledby="h-${section}"><h2 id="h-${section}">${
      section === 'fit' ? 'Fit rules' : section === 'engagement' ? 'Engagement rules' : 'Negative rules'
    }</h2>${rules.map((rule, index) => {
      const base = `${section}.rules.${index}`;
      return html`<div class="rule"><h3>${String(rule.id ?? '')}${rule.kind ? ` (${String(rule.kind)})` : ''}</h3><div class="fields">
${field({ name: `${base}.label`, label: 'Label', value: value(`${base}.label`, rule.label), error: errors[`${base}.label`] })}
${num(`${base}.points`, 'Points')}
${hasCap(section, rule) ? num(`${base}.cap`, 'Cap (most points)') : ''}
${textarea({ name: `${base}.details`, label: `Details of ${String(rule.id ?? '')} (YAML)`, value: value(`${base}.details`, details(rule)), error: errors[`${base}.details`], rows: 3 })}
<div class="field"><label><input type="checkbox" name="${base}.remove" value="1"${
        typed?.[`${base}.remove`] ? html` checked` : ''
      }> Remove this rule</label></div></div></div>`;
    })}</section>`;
  });
  return html`<form method="post" action="/rules" novalidate>${csrfInput(state.csrf)}
<input type="hidden" name="base" value="${state.base}">
${
  (state.general?.length ?? 0) > 0 || Object.keys(errors).length > 0
    ? html`<div class="flash error" role="alert"><p>Nothing was saved: ${Object.keys(errors).length + (state.general?.length ?? 0)} problem(s).</p><ul>${(
        state.general ?? []
      ).map((problem) => html`<li>${problem}</li>`)}${Object.entries(errors).map(
        ([name, message]) =>
          html`<li><a href="#f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}">${name}</a>: ${message}</li>`,
      )}</ul></div>`
    : ''
}
<section aria-labelledby="h-limits"><h2 id="h-limits">Limits and decay</h2><div class="fields">
${SETTINGS.map(([name, label, hint]) => num(name, label, hint))}
${select({
  name: 'engagement.decay.type',
  label: 'Engagement decay',
  value: value('engagement.decay.type', String(decay.type ?? 'none')),
  choices: [
    ['none', 'none'],
    ['halfLife', 'half-life'],
    ['linear', 'linear'],
  ],
  error: errors['engagement.decay.type'],
})}
${DECAY_FIELDS.map(([name, label]) => num(name, label))}
</div></section>
<section aria-labelledby="h-bands"><h2 id="h-bands">Bands and thresholds</h2><div class="fields">
${BAND_FIELDS.map(([name, label]) => num(name, label))}
</div>${stages.map(
    (stage, index) => html`<div class="fields">
${field({ name: `stages.${index}.name`, label: `Stage ${index + 1} name`, value: value(`stages.${index}.name`, stage.name), error: errors[`stages.${index}.name`] })}
${num(`stages.${index}.minScore`, `${String(stage.name ?? 'Stage')} from score`)}
${num(`stages.${index}.hysteresis`, `${String(stage.name ?? 'Stage')} hysteresis`)}</div>`,
  )}<div class="fields">${REASON_FIELDS.map(([name, label]) => num(name, label))}</div></section>
${ruleBlocks}
<section aria-labelledby="h-new"><h2 id="h-new">Add a rule</h2><div class="fields">
${select({
  name: 'new.section',
  label: 'Section',
  value: value('new.section', 'engagement'),
  choices: SECTIONS.map((section) => [section, section] as const),
})}
${textarea({ name: 'new.yaml', label: 'New rule (YAML, with id, label and points)', value: value('new.yaml', ''), error: errors['new.yaml'], rows: 5 })}
</div></section>
<section><div class="fields">${field({ name: 'note', label: 'What changed and why (for the log)', value: value('note', '') })}</div>
<p><button type="submit">Save as a new version</button></p></section></form>`;
}

export interface ParsedForm {
  raw?: Raw;
  rules?: RuleSet;
  errors: FieldErrors;
  general: string[];
  note: string;
}

function setPath(target: Raw, path: string, value: unknown): void {
  const keys = path.split('.');
  let current: Raw = target;
  keys.slice(0, -1).forEach((key, index) => {
    const next = current[key];
    if (next === null || typeof next !== 'object') {
      current[key] = /^\d+$/.test(keys[index + 1] ?? '') ? [] : {};
    }
    current = current[key] as Raw;
  });
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete current[last];
  else current[last] = value;
}

/** Reads the form into a new raw rules value, then validates it. Field errors name the form field. */
export function parseRulesForm(current: Raw, body: FormBody): ParsedForm {
  const raw = structuredClone(current);
  const errors: FieldErrors = {};
  const general: string[] = [];
  const known = new Set<string>();
  const readNumber = (name: string, { required = false } = {}) => {
    known.add(name);
    const text = first(body[name]).trim();
    if (text === '') {
      if (required) errors[name] = 'expected a number';
      setPath(raw, name, undefined);
      return;
    }
    const number = Number(text);
    if (!Number.isFinite(number)) errors[name] = `expected a number such as 10, got "${text}"`;
    else setPath(raw, name, number);
  };

  for (const [name] of SETTINGS) {
    if (!name.startsWith('fit.decay.')) readNumber(name);
  }
  const fitDecayAfter = first(body['fit.decay.afterDays']).trim();
  const fitDecayHalf = first(body['fit.decay.halfLifeDays']).trim();
  known.add('fit.decay.afterDays');
  known.add('fit.decay.halfLifeDays');
  if (fitDecayAfter === '' && fitDecayHalf === '') delete obj(raw.fit).decay;
  else {
    obj(raw.fit).decay = {};
    readNumber('fit.decay.afterDays', { required: true });
    readNumber('fit.decay.halfLifeDays', { required: true });
  }

  const decayType = first(body['engagement.decay.type']) || 'none';
  known.add('engagement.decay.type');
  const decayFields: Record<string, string[]> = {
    none: [],
    halfLife: ['days'],
    linear: ['percent', 'everyDays'],
  };
  for (const [name] of DECAY_FIELDS) known.add(name);
  if (!(decayType in decayFields)) errors['engagement.decay.type'] = 'expected none, halfLife or linear';
  else {
    obj(raw.engagement).decay = { type: decayType };
    for (const key of decayFields[decayType] ?? []) readNumber(`engagement.decay.${key}`, { required: true });
  }

  for (const [name] of [...BAND_FIELDS, ...REASON_FIELDS]) {
    readNumber(name, { required: name.startsWith('bands.') });
  }
  list(raw.stages).forEach((_, index) => {
    const name = `stages.${index}.name`;
    known.add(name);
    setPath(raw, name, first(body[name]).trim());
    readNumber(`stages.${index}.minScore`, { required: true });
    readNumber(`stages.${index}.hysteresis`);
  });

  for (const section of SECTIONS) {
    const rules = list(obj(raw[section]).rules);
    const kept: Raw[] = [];
    rules.forEach((rule, index) => {
      const base = `${section}.rules.${index}`;
      if (first(body[`${base}.remove`]) !== '') return;
      const next: Raw = { ...(rule.kind !== undefined ? { kind: rule.kind } : {}), id: rule.id };
      next.label = first(body[`${base}.label`]);
      known.add(`${base}.label`);
      const points = first(body[`${base}.points`]).trim();
      known.add(`${base}.points`);
      const number = Number(points);
      if (points === '' || !Number.isFinite(number))
        errors[`${base}.points`] = `expected a number of points, got "${points}"`;
      next.points = Number.isFinite(number) ? number : 0;
      if (hasCap(section, rule)) {
        known.add(`${base}.cap`);
        const cap = first(body[`${base}.cap`]).trim();
        if (cap !== '') {
          const capNumber = Number(cap);
          if (!Number.isFinite(capNumber)) errors[`${base}.cap`] = `expected a number, got "${cap}"`;
          else next.cap = capNumber;
        }
      }
      known.add(`${base}.details`);
      try {
        const rest = parse(first(body[`${base}.details`]) || '{}') as unknown;
        if (rest !== null && (typeof rest !== 'object' || Array.isArray(rest))) {
          errors[`${base}.details`] = 'expected YAML keys and values, such as "event: demo_request"';
        } else
          Object.assign(
            next,
            Object.fromEntries(Object.entries(obj(rest)).filter(([key]) => !OWN_INPUTS.has(key))),
          );
      } catch (error) {
        errors[`${base}.details`] = `not valid YAML: ${(error as Error).message.split('\n')[0]}`;
      }
      // Keep this rule's form name for errors, even when earlier rules were removed.
      Object.defineProperty(next, FORM_NAME, { value: base, enumerable: false });
      kept.push(next);
    });
    obj(raw[section]).rules = kept;
  }

  const newText = first(body['new.yaml']).trim();
  const newSection = first(body['new.section']) as Section;
  if (newText !== '') {
    if (!SECTIONS.includes(newSection)) errors['new.yaml'] = 'choose fit, engagement or negative';
    else {
      try {
        const rule = parse(newText) as unknown;
        if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
          errors['new.yaml'] = 'expected one rule as YAML keys and values (id, label, points, ...)';
        } else {
          Object.defineProperty(rule, FORM_NAME, { value: 'new.yaml', enumerable: false });
          list(obj(raw[newSection]).rules).push(rule as Raw);
        }
      } catch (error) {
        errors['new.yaml'] = `not valid YAML: ${(error as Error).message.split('\n')[0]}`;
      }
    }
  }

  const note = first(body.note).trim().slice(0, 200);
  if (Object.keys(errors).length > 0) return { errors, general, note };
  const result = ruleSetSchema.safeParse(raw);
  if (!result.success) {
    placeIssues(raw, result.error.issues, known, errors, general);
    return { errors, general, note };
  }
  // Strip the bookkeeping property before the value is written anywhere.
  return { raw: JSON.parse(JSON.stringify(raw)) as Raw, rules: result.data, errors, general, note };
}

const FORM_NAME = Symbol('form field of a rule');

/** Puts each schema issue on the field it is about: the field itself, a rule's details box, or the top. */
function placeIssues(
  raw: Raw,
  issues: readonly z.core.$ZodIssue[],
  known: ReadonlySet<string>,
  errors: FieldErrors,
  general: string[],
): void {
  for (const issue of issues) {
    const path = issue.path.map(String);
    let name: string | undefined;
    if (SECTIONS.includes(path[0] as Section) && path[1] === 'rules' && path[2] !== undefined) {
      const rule = list(obj(raw[path[0]!]).rules)[Number(path[2])] as
        | (Raw & { [FORM_NAME]?: string })
        | undefined;
      const base = rule?.[FORM_NAME];
      if (base === 'new.yaml') name = 'new.yaml';
      else if (base !== undefined) {
        const key = path[3];
        name =
          key !== undefined && known.has(`${base}.${key}`) && path.length === 4
            ? `${base}.${key}`
            : `${base}.details`;
      }
    } else {
      const joined = path.join('.');
      name =
        (known.has(joined) ? joined : undefined) ??
        [...known].find((candidate) => candidate.startsWith(`${joined}.`));
    }
    let message = issue.message;
    const key = path.at(-1);
    if (key === 'event' && issue.code === 'invalid_union') {
      message = `expected an event type, one of: ${EVENT_TYPES.join(', ')}`;
    }
    // In a rule's details box, say which key is wrong.
    if (name?.endsWith('.details') && path.length > 3) message = `${path.slice(3).join('.')}: ${message}`;
    if (name === undefined) general.push(`${path.join('.') || 'rules'}: ${message}`);
    else errors[name] = errors[name] ? `${errors[name]}; ${message}` : message;
  }
}
