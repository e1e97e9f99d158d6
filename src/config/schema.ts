import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { describeValue } from './yaml-errors.js';

/**
 * The installation config (leadscore.yaml). Strict objects throughout, so a misspelt key is an error rather
 * than a silently ignored setting. Documented key by key in docs/configuration.md; keep the two in step.
 */

/** Where a secret comes from. The YAML never holds the secret itself. */
export type SecretRef = { env: string } | { secret: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STORED_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const secretRefSchema = z
  .strictObject({
    /** Read from this environment variable. */
    env: z.string().regex(ENV_NAME, 'expected an environment variable name such as HUBSPOT_TOKEN').optional(),
    /** Read from the encrypted secret store (`leadscore secret set NAME`). */
    secret: z
      .string()
      .regex(
        STORED_NAME,
        'expected a stored secret name of letters, digits, "-", "_" or "." such as hubspot-token',
      )
      .optional(),
  })
  .superRefine((ref, ctx) => {
    if ((ref.env === undefined) === (ref.secret === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of { env: NAME } or { secret: NAME }' });
    }
  })
  .transform((ref): SecretRef => (ref.env !== undefined ? { env: ref.env } : { secret: ref.secret ?? '' }));

const httpUrl = z.url({
  protocol: /^https?$/,
  error: 'expected an http(s) URL such as https://api.hubapi.com',
});
/** https, or plain http to this machine only (the local sandbox): tokens never cross a network in clear. */
const httpsUrl = z
  .url({ protocol: /^https?$/, error: 'expected an https URL such as https://login.salesforce.com' })
  .refine(
    (url) => url.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url),
    {
      message: 'expected an https URL such as https://login.salesforce.com (plain http only for localhost)',
    },
  );

const cron = (example: string) =>
  z.string().superRefine((value, ctx) => {
    if (!validateCron(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a cron expression (minute hour day-of-month month day-of-week) such as "${example}", got ${describeValue(value, false)}`,
      });
    }
  });

const timezone = z.string().superRefine((value, ctx) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `expected an IANA time zone such as UTC or Europe/Berlin, got ${describeValue(value, false)}`,
    });
  }
});

export const hubspotSchema = z
  .strictObject({
    /** privateApp: one access token. oauth: clientId + clientSecret + refreshToken (a public app). */
    auth: z.enum(['privateApp', 'oauth']).default('privateApp'),
    token: secretRefSchema.optional(),
    /** Another API host, e.g. a mock or proxy for tests. Default https://api.hubapi.com. */
    basePath: httpUrl.optional(),
    /** The portal's subscription tier; it sets the API rate and daily allowance leadscore paces itself to. */
    tier: z.enum(['starter', 'professional', 'enterprise']).default('professional'),
    clientId: z.string().min(1).optional(),
    clientSecret: secretRefSchema.optional(),
    refreshToken: secretRefSchema.optional(),
    /** Scopes `leadscore connect` checks the token has; default: the ones leadscore needs. */
    scopesRequired: z.array(z.string().min(1)).min(1).optional(),
  })
  .superRefine((hubspot, ctx) => {
    const need = (key: 'token' | 'clientId' | 'clientSecret' | 'refreshToken', why: string) => {
      if (hubspot[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `expected ${key} ${why}` });
    };
    if (hubspot.auth === 'privateApp')
      need('token', '({ env: NAME } or { secret: NAME }) when auth is privateApp');
    else {
      need('clientId', 'when auth is oauth');
      need('clientSecret', '({ env: NAME } or { secret: NAME }) when auth is oauth');
      need('refreshToken', '({ env: NAME } or { secret: NAME }) when auth is oauth');
    }
  });

export const salesforceSchema = z
  .strictObject({
    /** https://test.salesforce.com for a sandbox, or the org's My Domain URL. */
    loginUrl: httpsUrl.default('https://login.salesforce.com'),
    instanceUrl: httpsUrl.optional(),
    /** The connected app's consumer key. */
    clientId: z.string().min(1),
    clientSecret: secretRefSchema.optional(),
    refreshToken: secretRefSchema.optional(),
    /** JWT bearer flow: the integration user, with `privateKey`. */
    username: z.string().min(1).optional(),
    privateKey: secretRefSchema.optional(),
    /** YAML reads 62.0 as the number 62, so numbers are accepted and written back as "62.0". */
    apiVersion: z
      .union([z.string(), z.number()])
      .transform((version) => (typeof version === 'number' ? version.toFixed(1) : version))
      .pipe(z.string().regex(/^\d{2,3}\.0$/, 'expected a Salesforce API version such as "62.0"'))
      .default('62.0'),
    /** Which object leads are read from and scores written to. */
    object: z.enum(['Lead', 'Contact']).default('Lead'),
  })
  .superRefine((salesforce, ctx) => {
    if (salesforce.privateKey !== undefined && salesforce.username === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['username'],
        message: 'expected username (the integration user) with privateKey (JWT bearer flow)',
      });
    }
    if (salesforce.privateKey === undefined && salesforce.clientSecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message:
          'expected clientSecret (with refreshToken, or alone for the client credentials flow), or username and privateKey (JWT bearer flow)',
      });
    }
  });

export const connectionSchema = z.discriminatedUnion('crm', [
  z.strictObject({ crm: z.literal('none') }),
  z.strictObject({ crm: z.literal('hubspot'), hubspot: hubspotSchema }),
  z.strictObject({ crm: z.literal('salesforce'), salesforce: salesforceSchema }),
]);

export const scheduleSchema = z.strictObject({
  /** Pull changed records, score, write back. */
  incremental: cron('*/10 * * * *').default('*/10 * * * *'),
  /** Full pass that catches what a changed-only feed misses (deletes, merges, missed pages). */
  reconcile: cron('30 2 * * *').default('30 2 * * *'),
  /** Refit the likelihood model; off unless set. */
  retrain: cron('0 4 * * 0').optional(),
  /** The time zone the cron expressions are read in. */
  timezone: timezone.default('UTC'),
});

const propertyName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]*$/,
    'expected a CRM property name of letters, digits and "_" such as leadscore_score',
  );

export const WRITE_BACK_FIELDS = [
  'score',
  'band',
  'fit',
  'engagement',
  'reasons',
  'stage',
  'updatedAt',
] as const;
export type WriteBackField = (typeof WRITE_BACK_FIELDS)[number] | 'likelihood';

/** Default property names; Salesforce custom fields get the `__c` suffix. */
export const DEFAULT_FIELD_NAMES: Readonly<Record<(typeof WRITE_BACK_FIELDS)[number], string>> = {
  score: 'leadscore_score',
  band: 'leadscore_band',
  fit: 'leadscore_fit',
  engagement: 'leadscore_engagement',
  reasons: 'leadscore_reasons',
  stage: 'leadscore_stage',
  updatedAt: 'leadscore_updated_at',
};

export const writeBackSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** CRM property names; unset ones take DEFAULT_FIELD_NAMES. `likelihood` is written only if named. */
  fields: z
    .strictObject({
      score: propertyName.optional(),
      band: propertyName.optional(),
      fit: propertyName.optional(),
      engagement: propertyName.optional(),
      reasons: propertyName.optional(),
      stage: propertyName.optional(),
      updatedAt: propertyName.optional(),
      likelihood: propertyName.optional(),
    })
    .prefault({}),
  /** HubSpot property group the properties are created in. */
  propertyGroup: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'expected a property group name of lowercase letters, digits and "_"')
    .default('leadscore'),
  /** respect: a rep's manual edit of a leadscore field is kept and the record skipped (logged). */
  onHumanOverwrite: z.enum(['overwrite', 'respect']).default('respect'),
});

export const configSchema = z
  .strictObject({
    /** SQLite file, relative to the config file's folder. */
    database: z.string().min(1).default('./leadscore.db'),
    /** A rules file path (relative to the config file's folder), or the rules inline; checked by load.ts. */
    rules: z.unknown().superRefine((rules, ctx) => {
      const isPath = typeof rules === 'string' && rules.trim() !== '';
      const isInline = rules !== null && typeof rules === 'object' && !Array.isArray(rules);
      if (!isPath && !isInline) {
        ctx.addIssue({
          code: 'custom',
          message: `expected the path of a rules file (such as ./rules.yaml) or the rules inline as a mapping, got ${describeValue(rules, false)}`,
        });
      }
    }),
    connection: connectionSchema.prefault({ crm: 'none' }),
    schedule: scheduleSchema.prefault({}),
    writeBack: writeBackSchema.prefault({}),
    scoring: z
      .strictObject({
        /** Scores are computed as of the start of the current UTC day/hour, so reruns within it are identical. */
        asOfResolution: z.enum(['day', 'hour', 'exact']).default('day'),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Stop syncing before this share of the CRM's daily API allowance is spent. */
        dailyBudgetShare: z.number().gt(0).max(1).default(0.5),
      })
      .prefault({}),
    logging: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const crm = config.connection.crm;
    const seen = new Map<string, string>();
    for (const [field, name] of Object.entries(resolveWriteBackFields(crm, config.writeBack.fields))) {
      if (name === undefined) continue;
      const path = ['writeBack', 'fields', field];
      if (crm === 'salesforce' && !name.endsWith('__c')) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: 'expected a Salesforce custom field name ending in "__c"',
        });
      }
      if (crm === 'hubspot' && !/^[a-z][a-z0-9_]*$/.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: 'expected a HubSpot internal property name of lowercase letters, digits and "_"',
        });
      }
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `expected a property name not already used by ${earlier}`,
        });
      } else seen.set(name, field);
    }
  });

export type WriteBackFields = Record<(typeof WRITE_BACK_FIELDS)[number], string> & { likelihood?: string };

/** Fills unset property names with the defaults, with the `__c` suffix Salesforce custom fields carry. */
export function resolveWriteBackFields(
  crm: ConnectionConfig['crm'],
  fields: Partial<Record<WriteBackField, string>>,
): WriteBackFields {
  const suffix = crm === 'salesforce' ? '__c' : '';
  const resolved = Object.fromEntries(
    WRITE_BACK_FIELDS.map((field) => [field, fields[field] ?? `${DEFAULT_FIELD_NAMES[field]}${suffix}`]),
  ) as WriteBackFields;
  if (fields.likelihood !== undefined) resolved.likelihood = fields.likelihood;
  return resolved;
}

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ConnectionConfig = z.output<typeof connectionSchema>;
export type HubSpotConfig = z.output<typeof hubspotSchema>;
export type SalesforceConfig = z.output<typeof salesforceSchema>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type LogLevel = ParsedConfig['logging']['level'];
