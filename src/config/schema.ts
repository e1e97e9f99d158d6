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

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "250ms", "30s", "2m", "1h", or a number of milliseconds; parsed to milliseconds. */
const duration = (example: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(value));
    const ms = match ? Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? 1)) : Number.NaN;
    if (!(ms > 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as ${example} (ms, s, m or h; a bare number is milliseconds), got ${describeValue(value, false)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** One CRM's schedule in the daemon; an unset key takes the top-level `schedule` value. */
const crmScheduleSchema = z.strictObject({
  incremental: cron('*/10 * * * *').optional(),
  reconcile: cron('30 2 * * *').optional(),
  retrain: cron('0 4 * * 0').optional(),
});

export const daemonSchema = z
  .strictObject({
    /** Per CRM (hubspot, salesforce): its incremental, reconcile and retrain cron expressions. */
    schedules: z
      .strictObject({ hubspot: crmScheduleSchema.optional(), salesforce: crmScheduleSchema.optional() })
      .prefault({}),
    /** A lease not renewed for this long is taken over by another daemon (or a manual sync). */
    leaseTtl: duration('60s').default(60_000),
    /** How often the lease holder renews it; at most half of leaseTtl. */
    heartbeat: duration('15s').default(15_000),
    /** On SIGTERM, how long the current run gets to reach a safe point (keep below the 10 s of `docker stop`). */
    grace: duration('8s').default(8_000),
    metrics: z
      .strictObject({
        port: z.number().int().min(0).max(65_535).default(9464),
        host: z.string().min(1).default('127.0.0.1'),
      })
      .prefault({}),
  })
  .superRefine((daemon, ctx) => {
    if (daemon.heartbeat * 2 > daemon.leaseTtl) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeat'],
        message: `expected a heartbeat of at most half the lease TTL (${daemon.leaseTtl} ms), got ${daemon.heartbeat} ms`,
      });
    }
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

const likelihoodPercent = z
  .number()
  .min(0, 'expected a likelihood in percent from 0 to 100 such as 60')
  .max(100, 'expected a likelihood in percent from 0 to 100 such as 60');

/** The predictive model in the product; the blend is explained in docs/model.md ("Blending into the band"). */
export const modelSchema = z.strictObject({
  blend: z
    .strictObject({
      /** none: the band is the rules' alone. band: the likelihood may move the band one grade. */
      into: z.enum(['none', 'band']).default('none'),
      /** Which half of the band moves: the fit letter (B2 -> A2) or the engagement digit (B2 -> B1). */
      grade: z.enum(['fit', 'engagement']).default('fit'),
      /** Likelihood (whole percent, as written back) at or above which the band goes one grade up. */
      raiseAt: likelihoodPercent.optional(),
      /** Likelihood at or below which the band goes one grade down. */
      lowerAt: likelihoodPercent.optional(),
    })
    .superRefine((blend, ctx) => {
      if (blend.into === 'band' && blend.raiseAt === undefined && blend.lowerAt === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected raiseAt or lowerAt (or both) when into is band, e.g. raiseAt: 60',
        });
      }
      if (blend.raiseAt !== undefined && blend.lowerAt !== undefined && !(blend.lowerAt < blend.raiseAt)) {
        ctx.addIssue({ code: 'custom', path: ['lowerAt'], message: 'expected lowerAt below raiseAt' });
      }
    })
    .prefault({}),
});

/** The hand-off at the threshold (src/handoff): documented in docs/configuration.md ("handoff"). */
const crmId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a CRM owner/user id such as 41629379 or 005xx0000012345AAA');
const handoffName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected a name of letters, digits, "-" or "_"');
/** https, or plain http to this machine only (a local receiver in tests). */
const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'expected an https URL such as https://hooks.slack.com/services/...' })
  .refine(
    (url) => url.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url),
    { message: 'expected an https URL (plain http only for localhost)' },
  );

export const handoffSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Upward crossings into these stages (names from the rules' stages) hand the lead off. */
    stages: z.array(z.string().min(1)).min(1).default(['SQL']),
    /** skip: a record's first score is no crossing (a first import would flood reps with tasks). */
    firstScores: z.enum(['skip', 'handoff']).default('skip'),
    /** Crossings older than this when first seen are recorded as skipped, not handed off late. */
    maxAgeHours: z.number().positive().default(72),
    /** Failed attempts before an action becomes a dead letter. */
    maxAttempts: z.number().int().min(1).max(20).default(5),
    task: z
      .strictObject({
        enabled: z.boolean().default(true),
        dueInHours: z.number().min(0).max(2160).default(24),
        priority: z.enum(['high', 'normal', 'low']).default('high'),
        /** How many of the top reasons the task body lists. */
        reasons: z.number().int().min(1).max(10).default(3),
      })
      .prefault({}),
    routing: z
      .strictObject({
        /** Team name -> owner ids, assigned round-robin. */
        teams: z.record(handoffName, z.array(crmId).min(1)).default({}),
        /** Region name -> country names or codes as the CRM holds them. */
        regions: z.record(handoffName, z.array(z.string().min(1)).min(1)).default({}),
        /** First match wins; a rule without conditions matches every lead. */
        rules: z
          .array(
            z
              .strictObject({
                /** Shown in the routing reason. */
                name: z.string().min(1).max(64),
                countries: z.array(z.string().min(1)).min(1).optional(),
                region: handoffName.optional(),
                minCompanySize: z.number().min(0).optional(),
                maxCompanySize: z.number().min(0).optional(),
                team: handoffName.optional(),
                owner: crmId.optional(),
              })
              .superRefine((rule, ctx) => {
                if ((rule.team === undefined) === (rule.owner === undefined))
                  ctx.addIssue({ code: 'custom', message: 'expected exactly one of team or owner' });
              }),
          )
          .default([]),
        /** Who gets a lead no rule matched (or whose rule had no active owner). */
        fallbackOwner: crmId.optional(),
        /** Route a lead whose owner is archived or deactivated as if it had none. */
        reassignInactiveOwners: z.boolean().default(true),
      })
      .prefault({}),
    webhooks: z
      .array(
        z.strictObject({
          name: handoffName,
          url: webhookUrl,
          /** Default: every hand-off stage. */
          stages: z.array(z.string().min(1)).min(1).optional(),
          /** json: the full event, signed. slack: { text } for a Slack incoming webhook. */
          format: z.enum(['json', 'slack']).default('json'),
          /** HMAC-SHA256 key for the X-Leadscore-Signature header. */
          secret: secretRefSchema.optional(),
          timeoutMs: z.number().int().min(100).max(60_000).default(5000),
        }),
      )
      .default([]),
    lifecycle: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Default: lifecyclestage (HubSpot), Status (Salesforce Lead). */
        field: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a CRM field name')
          .optional(),
        /** Stage -> the CRM value to set; default per CRM for MQL and SQL. */
        values: z.record(z.string().min(1), z.string().min(1)).optional(),
        /** The field's values from first to last: a record is never moved to an earlier one. */
        order: z.array(z.string().min(1)).min(1).optional(),
      })
      .prefault({}),
  })
  .superRefine((handoff, ctx) => {
    for (const [index, rule] of handoff.routing.rules.entries()) {
      if (rule.team !== undefined && !(rule.team in handoff.routing.teams))
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'rules', index, 'team'],
          message: `expected a team named under routing.teams, got "${rule.team}"`,
        });
      if (rule.region !== undefined && !(rule.region in handoff.routing.regions))
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'rules', index, 'region'],
          message: `expected a region named under routing.regions, got "${rule.region}"`,
        });
    }
    const names = new Set<string>();
    for (const [index, hook] of handoff.webhooks.entries()) {
      if (names.has(hook.name))
        ctx.addIssue({
          code: 'custom',
          path: ['webhooks', index, 'name'],
          message: `expected a webhook name not used twice, got "${hook.name}"`,
        });
      names.add(hook.name);
    }
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
    daemon: daemonSchema.prefault({}),
    writeBack: writeBackSchema.prefault({}),
    model: modelSchema.prefault({}),
    handoff: handoffSchema.prefault({}),
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
export type DaemonConfig = z.output<typeof daemonSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type LogLevel = ParsedConfig['logging']['level'];
export type HandoffConfig = z.output<typeof handoffSchema>;
