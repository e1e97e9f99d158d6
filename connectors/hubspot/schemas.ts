import { z } from 'zod';
import { LeadscoreError } from '../../src/errors.js';

/**
 * zod for every HubSpot response the connector reads. Calls through the SDK's typed APIs are checked after its
 * codegen has deserialized them (same names as the JSON, except `from` -> `_from` and the OAuth snake_case ->
 * camelCase; date-times become Date); calls through `apiRequest` are checked as raw JSON.
 * A response that does not match raises ERR_CRM_RESPONSE naming the endpoint and the field path.
 */

/** Date-time as the SDK gives it (Date) or as raw JSON (ISO string). */
const dateTime = z.union([z.date(), z.string()]);
/** Every CRM property value is a string; a cleared one may come back null. */
const propertyValues = z.record(z.string(), z.string().nullable());

const forwardPaging = z
  .object({ next: z.object({ after: z.string().min(1) }).optional() })
  .optional()
  .nullable();

export const crmObjectSchema = z.object({
  id: z.string().min(1),
  properties: propertyValues,
  archived: z.boolean().optional().nullable(),
  archivedAt: dateTime.optional().nullable(),
  createdAt: dateTime.optional().nullable(),
  updatedAt: dateTime.optional().nullable(),
});
export type CrmObject = z.output<typeof crmObjectSchema>;

/** GET /crm/v3/objects/{type} (no `total`; the last page has no paging.next). */
export const listPageSchema = z.object({ results: z.array(crmObjectSchema), paging: forwardPaging });
/** GET /crm/v3/objects/{type}?associations=contacts: each result carries its first page of associated ids. */
export const listWithAssociationsSchema = z.object({
  results: z.array(
    crmObjectSchema.extend({
      associations: z
        .record(z.string(), z.object({ results: z.array(z.object({ id: z.string().min(1) })) }))
        .optional()
        .nullable(),
    }),
  ),
  paging: forwardPaging,
});

/** POST /crm/v3/objects/{type}/search. */
export const searchPageSchema = z.object({
  total: z.number().int().nonnegative(),
  results: z.array(crmObjectSchema),
  paging: forwardPaging,
});
export type SearchPage = z.output<typeof searchPageSchema>;

/** A StandardError inside a batch 207's `errors`. */
export const standardErrorSchema = z.object({
  status: z.string().optional().nullable(),
  category: z.string(),
  subCategory: z.unknown().optional(),
  message: z.string(),
  id: z.string().optional().nullable(),
  context: z.record(z.string(), z.array(z.string())).optional().nullable(),
  errors: z
    .array(
      z.object({
        message: z.string().optional().nullable(),
        code: z.string().optional().nullable(),
        context: z.record(z.string(), z.array(z.string())).optional().nullable(),
      }),
    )
    .optional()
    .nullable(),
});
export type StandardError = z.output<typeof standardErrorSchema>;

/** POST .../batch/{read|update}: 200, or 207 with `errors`. */
export const batchResultSchema = z.object({
  status: z.string(),
  results: z.array(crmObjectSchema),
  numErrors: z.number().optional().nullable(),
  errors: z.array(standardErrorSchema).optional().nullable(),
});
export type BatchResult = z.output<typeof batchResultSchema>;

export const propertySchema = z.object({
  name: z.string().min(1),
  label: z.string(),
  type: z.string().min(1),
  fieldType: z.string().min(1),
  groupName: z.string(),
  hubspotDefined: z.boolean().optional().nullable(),
  archived: z.boolean().optional().nullable(),
});
export type HubSpotProperty = z.output<typeof propertySchema>;
export const propertyListSchema = z.object({ results: z.array(propertySchema) });
export const propertyGroupSchema = z.object({ name: z.string().min(1), label: z.string() });

/** GET /email/public/v1/events (raw JSON; legacy). */
export const emailEventSchema = z.object({
  id: z.string().min(1),
  created: z.number(),
  type: z.string().min(1),
  recipient: z.string().optional().nullable(),
  emailCampaignId: z.union([z.number(), z.string()]).optional().nullable(),
  sentBy: z
    .object({ id: z.string().optional().nullable(), created: z.number().optional().nullable() })
    .optional()
    .nullable(),
  url: z.string().optional().nullable(),
  category: z.string().optional().nullable(),
  response: z.string().optional().nullable(),
  status: z.string().optional().nullable(),
  subject: z.string().optional().nullable(),
  dropReason: z.string().optional().nullable(),
  portalSubscriptionStatus: z.string().optional().nullable(),
  subscriptions: z
    .array(z.object({ id: z.union([z.number(), z.string()]), status: z.string().optional().nullable() }))
    .optional()
    .nullable(),
  changeType: z.string().optional().nullable(),
});
export type EmailEvent = z.output<typeof emailEventSchema>;
export const emailEventsPageSchema = z.object({
  hasMore: z.boolean(),
  offset: z.string().optional().nullable(),
  events: z.array(emailEventSchema),
});

/** GET /marketing/v3/forms (raw JSON). */
export const formsPageSchema = z.object({
  results: z.array(z.object({ id: z.string().min(1), name: z.string().optional().nullable() })),
  paging: forwardPaging,
});

/** GET /form-integrations/v1/submissions/forms/{guid} (raw JSON; newest first). */
export const formSubmissionSchema = z.object({
  conversionId: z.string().min(1),
  submittedAt: z.number(),
  values: z.array(z.object({ name: z.string(), value: z.string().nullable() })),
  pageUrl: z.string().optional().nullable(),
});
export type FormSubmission = z.output<typeof formSubmissionSchema>;
export const formSubmissionsPageSchema = z.object({
  results: z.array(formSubmissionSchema),
  paging: forwardPaging,
});

/** GET /events/v3/events (web analytics, Enterprise). */
export const webEventSchema = z.object({
  id: z.string().min(1),
  eventType: z.string().min(1),
  objectType: z.string(),
  objectId: z.string().min(1),
  occurredAt: dateTime,
  properties: z.record(z.string(), z.string().nullable()).optional().nullable(),
});
export type WebEvent = z.output<typeof webEventSchema>;
export const webEventsPageSchema = z.object({ results: z.array(webEventSchema), paging: forwardPaging });

/** POST /crm/v4/associations/{from}/{to}/batch/read. */
export const associationsBatchSchema = z.object({
  status: z.string(),
  results: z.array(
    z.object({
      _from: z.object({ id: z.string().min(1) }),
      to: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]) })),
    }),
  ),
  errors: z.array(standardErrorSchema).optional().nullable(),
});

/** GET /crm/v3/owners. */
export const ownersPageSchema = z.object({
  results: z.array(
    z.object({
      id: z.string().min(1),
      email: z.string().optional().nullable(),
      firstName: z.string().optional().nullable(),
      lastName: z.string().optional().nullable(),
      userId: z.number().optional().nullable(),
    }),
  ),
  paging: forwardPaging,
});

/** POST /oauth/v1/token, through the SDK (TokenResponseIF renames to camelCase). */
export const tokenResponseSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional().nullable(),
  expiresIn: z.number().positive(),
  tokenType: z.string().optional().nullable(),
});

/** GET /oauth/v1/access-tokens/{token} (raw JSON) and the private-app access-token-info (camelCase). */
export const tokenInfoSchema = z.object({ scopes: z.array(z.string()) }).loose();

/** GET /account-info/v3/api-usage/daily/private-apps (raw JSON). */
export const apiUsageSchema = z.object({
  results: z.array(
    z.object({
      name: z.string().optional().nullable(),
      usageLimit: z.number().positive(),
      currentUsage: z.number().nonnegative(),
      resetsAt: dateTime.optional().nullable(),
    }),
  ),
});

/** GET /communication-preferences/v3/status/email/{email}. */
export const subscriptionStatusSchema = z.object({
  recipient: z.string(),
  subscriptionStatuses: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional().nullable(),
      status: z.string(),
      sourceOfStatus: z.string().optional().nullable(),
    }),
  ),
});
export type SubscriptionStatus = z.output<typeof subscriptionStatusSchema>;

function describePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(the body)';
  return path
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
}

/** Parses `data` or throws ERR_CRM_RESPONSE naming the endpoint and the first bad field. */
export function parseResponse<S extends z.ZodType>(schema: S, data: unknown, endpoint: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? describePath(issue.path) : '(the body)';
  const shown = typeof data === 'string' ? ` (got text: ${JSON.stringify(data.slice(0, 60))})` : '';
  throw new LeadscoreError(
    'ERR_CRM_RESPONSE',
    `HubSpot ${endpoint} answered an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}${shown}`,
    { cause: result.error },
  );
}
