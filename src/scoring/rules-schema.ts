import { z } from 'zod';
import { EVENT_TYPES } from '../crm/vocabulary.js';

/**
 * The rules file's shape (config/rules.default.yaml). Validated once at load, then frozen; the engine trusts it.
 * Strict objects so a typo such as `pionts:` is an error rather than a silently ignored key.
 */

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'expected a rule id of lowercase letters, digits, "-", "_" or "."');
const points = z.number().finite();
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const regexPattern = z.string().superRefine((pattern, ctx) => {
  try {
    new RegExp(pattern);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a valid regular expression: ${(error as Error).message}`,
    });
  }
});

type Shape = Record<string, z.ZodType>;

/**
 * A test on one value: a record field/property (fit, key `field`) or an event attribute (`where`, key `attr`),
 * one strict variant per operator merged with `extra`, discriminated on `op`.
 */
function conditionUnion<K extends 'field' | 'attr', E extends Shape>(key: K, extra: E) {
  const common = {
    ...extra,
    ...({ [key]: z.string().min(1) } as Record<K, z.ZodString>),
    /** Text comparisons ignore case unless this is true. */
    caseSensitive: z.boolean().optional(),
  };
  const variant = <O extends string, S extends Shape>(op: O, shape: S) =>
    z.strictObject({ ...common, op: z.literal(op), ...shape });
  return z.discriminatedUnion('op', [
    variant('equals', { value: scalar }),
    variant('notEquals', { value: scalar }),
    variant('in', { values: z.array(scalar).min(1) }),
    variant('notIn', { values: z.array(scalar).min(1) }),
    variant('contains', { value: z.string().min(1) }),
    variant('startsWith', { value: z.string().min(1) }),
    variant('endsWith', { value: z.string().min(1) }),
    variant('regex', {
      pattern: regexPattern,
      flags: z
        .string()
        .regex(/^[imsu]*$/, 'expected regex flags from "imsu"')
        .optional(),
    }),
    variant('range', { min: z.number().finite().optional(), max: z.number().finite().optional() }),
    variant('exists', {}),
    variant('missing', {}),
  ]);
}

export const decaySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  /** Weight halves every `days`. */
  z.strictObject({ type: z.literal('halfLife'), days: z.number().positive() }),
  /** Weight drops by `percent` of the original every `everyDays` (stepwise), never below 0. */
  z.strictObject({
    type: z.literal('linear'),
    percent: z.number().positive().max(100),
    everyDays: z.number().positive(),
  }),
]);

const frequencyLimit = z.strictObject({
  /** At most this many matching events count per window. */
  count: z.number().int().positive(),
  per: z.union([z.enum(['day', 'week', 'month']), z.strictObject({ days: z.number().int().positive() })]),
});

/** Count only one matching event (the most recent), overall or once per distinct value of an attribute. */
const countOnce = z.union([z.boolean(), z.strictObject({ by: z.string().min(1) })]);

const eventType = z.enum(EVENT_TYPES);
const ruleBase = { id, label: z.string().min(1).max(80), points, description: z.string().optional() };

export const fieldConditionSchema = conditionUnion('field', {});
export const attrConditionSchema = conditionUnion('attr', {});

const fitRule = conditionUnion('field', ruleBase);

const eventMatch = {
  event: z.union([eventType, z.array(eventType).min(1)]),
  /** All filters must match the event's attributes. */
  where: z.array(attrConditionSchema).optional(),
};

const engagementRule = z.strictObject({
  ...ruleBase,
  ...eventMatch,
  /** Most points this rule may add in total (after decay). */
  cap: z.number().positive().optional(),
  limit: frequencyLimit.optional(),
  once: countOnce.optional(),
  /** Overrides the engagement section's decay for this rule. */
  decay: decaySchema.optional(),
  /** Overrides the engagement section's expiry for this rule. */
  expireAfterDays: z.number().positive().optional(),
});

const negativeRule = z.discriminatedUnion('kind', [
  /** A record field test (e.g. wrong geography); counts against fit. */
  conditionUnion('field', { kind: z.literal('field'), ...ruleBase }),
  /** Email at a free-mail provider (built-in list plus `extraDomains`); counts against fit. */
  z.strictObject({ kind: z.literal('freeMail'), ...ruleBase, extraDomains: z.array(z.string()).optional() }),
  /** Email at one of these domains (e.g. competitors); counts against fit. */
  z.strictObject({ kind: z.literal('emailDomain'), ...ruleBase, domains: z.array(z.string().min(3)).min(1) }),
  /** An event such as an unsubscribe or hard bounce; counts against engagement. */
  z.strictObject({
    kind: z.literal('event'),
    ...ruleBase,
    ...eventMatch,
    once: countOnce.optional(),
    cap: z.number().positive().optional(),
    decay: decaySchema.optional(),
    expireAfterDays: z.number().positive().optional(),
  }),
  /** No engagement event (of `eventTypes`, default: every type a lead does) for `days`; counts against engagement. */
  z.strictObject({
    kind: z.literal('inactivity'),
    ...ruleBase,
    days: z.number().positive(),
    eventTypes: z.array(eventType).min(1).optional(),
  }),
]);

const bounds = { min: z.number().finite().optional(), max: z.number().finite().optional() };

export const ruleSetSchema = z
  .strictObject({
    /** Format version of this file. */
    version: z.literal(1),
    name: z.string().min(1),
    description: z.string().optional(),
    fit: z.strictObject({
      ...bounds,
      /** Fit data (the record's properties) older than `afterDays` (by the record's updatedAt) decays. */
      decay: z
        .strictObject({ afterDays: z.number().positive(), halfLifeDays: z.number().positive() })
        .optional(),
      rules: z.array(fitRule),
    }),
    engagement: z.strictObject({
      ...bounds,
      decay: decaySchema.default({ type: 'none' }),
      /** Events older than this are ignored. */
      expireAfterDays: z.number().positive().optional(),
      rules: z.array(engagementRule),
    }),
    negative: z.strictObject({ rules: z.array(negativeRule) }).default({ rules: [] }),
    total: z.strictObject(bounds).default({}),
    /** Fit letter A-D and engagement digit 1-3 (HubSpot's A1-D3 grid): the lowest sub-score reaching each grade. */
    bands: z.strictObject({
      fit: z.strictObject({ A: z.number(), B: z.number(), C: z.number() }),
      engagement: z.strictObject({ '1': z.number(), '2': z.number() }),
    }),
    /** Named stages on the total score, lowest first; a lead leaves a stage only below `minScore - hysteresis`. */
    stages: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected a stage name such as MQL'),
          minScore: z.number().finite(),
          hysteresis: z.number().min(0).default(0),
        }),
      )
      .default([]),
    reasons: z
      .strictObject({
        /** How many contributions the rendered reasons show at most. */
        top: z.number().int().positive().default(5),
        /** The rendered reasons' length limit (a CRM single-line text field holds 255). */
        maxLength: z.number().int().min(40).max(65_000).default(255),
      })
      .default({ top: 5, maxLength: 255 }),
  })
  .superRefine((rules, ctx) => {
    const seen = new Map<string, string>();
    const sections = [
      ['fit', rules.fit.rules],
      ['engagement', rules.engagement.rules],
      ['negative', rules.negative.rules],
    ] as const;
    for (const [section, list] of sections) {
      list.forEach((rule, index) => {
        const earlier = seen.get(rule.id);
        if (earlier) {
          ctx.addIssue({
            code: 'custom',
            path: [section, 'rules', index, 'id'],
            message: `duplicate rule id "${rule.id}" (first used at ${earlier})`,
          });
        } else seen.set(rule.id, `${section}.rules[${index}]`);
      });
    }
    const conditionLists: [path: (string | number)[], conditions: readonly Condition[]][] = [];
    for (const [index, rule] of rules.fit.rules.entries()) {
      conditionLists.push([['fit', 'rules', index], [rule]]);
    }
    for (const [index, rule] of rules.engagement.rules.entries()) {
      conditionLists.push([['engagement', 'rules', index, 'where'], rule.where ?? []]);
    }
    for (const [index, rule] of rules.negative.rules.entries()) {
      if (rule.kind === 'field') conditionLists.push([['negative', 'rules', index], [rule]]);
      if (rule.kind === 'event') {
        conditionLists.push([['negative', 'rules', index, 'where'], rule.where ?? []]);
      }
    }
    for (const [path, conditions] of conditionLists) {
      conditions.forEach((condition, index) => {
        const at = path.at(-1) === 'where' ? [...path, index] : path;
        const issue = conditionIssue(condition);
        if (issue) ctx.addIssue({ code: 'custom', path: at, message: issue });
      });
    }
    for (const section of ['fit', 'engagement', 'total'] as const) {
      const { min, max } = rules[section];
      if (min !== undefined && max !== undefined && min > max) {
        ctx.addIssue({
          code: 'custom',
          path: [section, 'min'],
          message: `expected min ${min} <= max ${max}`,
        });
      }
    }
    const { A, B, C } = rules.bands.fit;
    if (!(A > B && B > C)) {
      ctx.addIssue({ code: 'custom', path: ['bands', 'fit'], message: 'expected A > B > C' });
    }
    if (!(rules.bands.engagement['1'] > rules.bands.engagement['2'])) {
      ctx.addIssue({ code: 'custom', path: ['bands', 'engagement'], message: 'expected "1" > "2"' });
    }
    rules.stages.forEach((stage, index) => {
      if (rules.stages.findIndex((other) => other.name === stage.name) < index) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', index, 'name'],
          message: `duplicate stage name "${stage.name}"`,
        });
      }
      const previous = rules.stages[index - 1];
      if (previous && stage.minScore <= previous.minScore) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', index, 'minScore'],
          message: `expected stages in rising order: ${stage.minScore} is not above ${previous.name}'s ${previous.minScore}`,
        });
      }
    });
  });

type Condition = z.output<typeof fieldConditionSchema> | z.output<typeof attrConditionSchema>;

/** What a condition's own schema cannot check: a regex invalid with its flags, a range without or with inverted bounds. */
function conditionIssue(condition: Condition): string | undefined {
  if (condition.op === 'regex' && condition.flags) {
    try {
      new RegExp(condition.pattern, condition.flags);
    } catch (error) {
      return `expected a valid regular expression with flags "${condition.flags}": ${(error as Error).message}`;
    }
  }
  if (condition.op === 'range') {
    if (condition.min === undefined && condition.max === undefined) {
      return 'expected a range with min, max or both';
    }
    if (condition.min !== undefined && condition.max !== undefined && condition.min > condition.max) {
      return `expected range min ${condition.min} <= max ${condition.max}`;
    }
  }
  return undefined;
}

export type RuleSet = z.output<typeof ruleSetSchema>;
export type RuleSetInput = z.input<typeof ruleSetSchema>;
export type FieldCondition = z.output<typeof fieldConditionSchema>;
export type AttrCondition = z.output<typeof attrConditionSchema>;
export type Decay = z.output<typeof decaySchema>;
export type FitRule = RuleSet['fit']['rules'][number];
export type EngagementRule = RuleSet['engagement']['rules'][number];
export type NegativeRule = RuleSet['negative']['rules'][number];
