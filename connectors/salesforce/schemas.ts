import { z } from 'zod';
import { LeadscoreError } from '../../src/errors.js';

/**
 * zod for every Salesforce response the connector reads, as raw REST JSON (jsforce's `conn.request` hands the
 * parsed body through unchanged). A response that does not match raises ERR_CRM_RESPONSE naming the endpoint and
 * the field path. Row schemas are loose: custom and write-back fields ride along and land in `properties`.
 */

const id = z.string().min(1);
const str = z.string().nullable().optional();
const bool = z.boolean().nullable().optional();
const num = z.number().nullable().optional();
/** `2026-01-01T00:00:00.000+0000` (§S3 / BEHAVIOR 11); checked by mapping.ts, which reports bad values. */
const dateTime = z.string().nullable().optional();
const attributes = z.object({ type: z.string(), url: z.string().optional() }).optional();

const base = {
  attributes,
  Id: id,
  IsDeleted: bool,
  SystemModstamp: z.string().min(1),
  CreatedDate: dateTime,
};

export const leadRowSchema = z.looseObject({
  ...base,
  MasterRecordId: str,
  IsConverted: bool,
  HasOptedOutOfEmail: bool,
});
export type LeadRow = z.output<typeof leadRowSchema>;

export const contactRowSchema = z.looseObject({
  ...base,
  MasterRecordId: str,
  HasOptedOutOfEmail: bool,
  Account: z
    .looseObject({ Name: str, Industry: str, NumberOfEmployees: z.unknown().optional() })
    .nullable()
    .optional(),
});
export type ContactRow = z.output<typeof contactRowSchema>;

export const taskRowSchema = z.looseObject({
  ...base,
  WhoId: str,
  Subject: str,
  TaskSubtype: str,
  ActivityDate: str,
  CompletedDateTime: dateTime,
  CallDurationInSeconds: num,
  CallDisposition: str,
  CallType: str,
  Status: str,
});
export type TaskRow = z.output<typeof taskRowSchema>;

export const eventRowSchema = z.looseObject({
  ...base,
  WhoId: str,
  Subject: str,
  StartDateTime: dateTime,
  EndDateTime: dateTime,
  DurationInMinutes: num,
});
export type EventRow = z.output<typeof eventRowSchema>;

export const campaignMemberRowSchema = z.looseObject({
  ...base,
  CampaignId: id,
  LeadId: str,
  ContactId: str,
  Status: str,
  HasResponded: bool,
  FirstRespondedDate: str,
  Campaign: z.looseObject({ Name: str, Type: str }).nullable().optional(),
});
export type CampaignMemberRow = z.output<typeof campaignMemberRowSchema>;

export const emailMessageRowSchema = z.looseObject({
  ...base,
  ActivityId: str,
  Activity: z.looseObject({ WhoId: str }).nullable().optional(),
  Subject: str,
  MessageDate: dateTime,
  Incoming: bool,
  IsBounced: bool,
  FirstOpenedDate: dateTime,
  LastOpenedDate: dateTime,
  FirstLinkClickedDate: dateTime,
});
export type EmailMessageRow = z.output<typeof emailMessageRowSchema>;

/** GET /query and /queryAll (and the nextRecordsUrl pages): https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.md */
export function queryResultSchema<T extends z.ZodType>(row: T) {
  return z.object({
    totalSize: z.number().int().nonnegative(),
    done: z.boolean(),
    nextRecordsUrl: z.string().min(1).optional().nullable(),
    records: z.array(row),
  });
}

/** Only the rows' Id (deletes): every other field is optional. */
export const deletedRowSchema = z.looseObject({
  Id: id,
  MasterRecordId: str,
  SystemModstamp: z.string().min(1),
});

/** A lead's conversion link, to map a contact's activities back to the lead it came from. */
export const convertedLeadRowSchema = z.looseObject({ Id: id, ConvertedContactId: str });

/** A won Opportunity: its primary contact and close date (a date, `2026-03-01`). */
export const opportunityRowSchema = z.looseObject({
  Id: id,
  ContactId: str,
  CloseDate: str,
  IsWon: bool,
  SystemModstamp: z.string().min(1),
});
export type OpportunityRow = z.output<typeof opportunityRowSchema>;

/** GET /sobjects/{type}/describe: the subset used. */
export const describeSchema = z.object({
  name: z.string(),
  updateable: z.boolean().optional(),
  fields: z.array(
    z.looseObject({
      name: z.string().min(1),
      type: z.string().min(1),
      length: z.number().optional().nullable(),
      precision: z.number().optional().nullable(),
      scale: z.number().optional().nullable(),
      custom: z.boolean().optional(),
      updateable: z.boolean().optional(),
    }),
  ),
});
export type DescribeResult = z.output<typeof describeSchema>;

/** A per-record error in a SaveResult: `statusCode`, not `errorCode` (BEHAVIOR 15). */
export const saveErrorSchema = z.object({
  statusCode: z.string(),
  message: z.string(),
  fields: z.array(z.string()).optional().nullable(),
});

/** PATCH /composite/sobjects: 200 with one SaveResult per record, in order; no `id` for a malformed id. */
export const saveResultsSchema = z.array(
  z.object({ id: z.string().optional().nullable(), success: z.boolean(), errors: z.array(saveErrorSchema) }),
);
export type SaveResult = z.output<typeof saveResultsSchema>[number];

/** POST /tooling/sobjects/CustomField and POST /sobjects/FieldPermissions. */
export const createResultSchema = z.object({ id: z.string().min(1), success: z.boolean() });

/** GET /limits: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_limits.htm */
export const limitsSchema = z.looseObject({
  DailyApiRequests: z.object({ Max: z.number().int().nonnegative(), Remaining: z.number().int() }),
});

/** The OAuth token endpoint (refresh token, JWT bearer): no expires_in (BEHAVIOR 1). */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  instance_url: z.url(),
  id: z.string().optional(),
  token_type: z.string().optional(),
  issued_at: z.string().optional(),
  signature: z.string().optional(),
  refresh_token: z.string().optional(),
});

function describePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(the body)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

export function parseResponse<S extends z.ZodType>(schema: S, data: unknown, endpoint: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? describePath(issue.path) : '(the body)';
  const shown = typeof data === 'string' ? ` (got text: ${JSON.stringify(data.slice(0, 60))})` : '';
  throw new LeadscoreError(
    'ERR_CRM_RESPONSE',
    `Salesforce ${endpoint} answered an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}${shown}`,
    { cause: result.error },
  );
}
