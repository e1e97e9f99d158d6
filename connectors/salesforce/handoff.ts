import { z } from 'zod';
import { RateLimitedError } from '../../src/crm/ports.js';
import type { CrmOwner, HandoffHooks, HookOutcome, TaskSpec } from '../../src/handoff/ports.js';
import { SalesforceApiError, type SalesforceClient } from './client.js';
import { SALESFORCE_SOURCE, soqlString } from './mapping.js';

/**
 * Salesforce's hand-off hooks: Users (IsActive), a Task with WhoId and OwnerId, the record's OwnerId and its
 * lead status. Errors become per-action outcomes; only the daily limit is thrown (RateLimitedError).
 */

// The standard Lead Status picklist values, first to last. MQL/SQL have no standard value: name them under
// handoff.lifecycle.values (most orgs add their own).
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm
export const LEAD_STATUS_ORDER = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];

const PRIORITY = { high: 'High', normal: 'Normal', low: 'Low' } as const;

/**
 * Owner errors on a save: an inactive User, or an id that is no User.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 */
const OWNER_ERRORS = new Set(['INACTIVE_OWNER_OR_USER', 'INVALID_CROSS_REFERENCE_KEY']);

const queryResult = <R extends z.ZodType>(row: R) =>
  z.object({ done: z.boolean(), nextRecordsUrl: z.string().nullish(), records: z.array(row) });
const userRow = z.object({
  Id: z.string(),
  Name: z.string().nullish(),
  Email: z.string().nullish(),
  IsActive: z.boolean(),
});
const taskRow = z.object({ Id: z.string(), Description: z.string().nullish() });
const createResult = z.object({ id: z.string(), success: z.boolean() });

export interface SalesforceHandoffOptions {
  client: SalesforceClient;
  /** The object leads live in (config connection.salesforce.object). */
  object: 'Lead' | 'Contact';
}

export function createSalesforceHandoff(options: SalesforceHandoffOptions): HandoffHooks {
  const { client, object } = options;

  async function query<R extends z.ZodType>(
    endpoint: string,
    soql: string,
    row: R,
  ): Promise<Array<z.output<R>>> {
    const rows: Array<z.output<R>> = [];
    let url: string | undefined = `/query?q=${encodeURIComponent(soql)}`;
    while (url) {
      const raw = await client.request(endpoint, { method: 'GET', url });
      const page = parse(queryResult(row), raw, endpoint);
      rows.push(...page.records);
      url = page.done ? undefined : (page.nextRecordsUrl ?? undefined);
    }
    return rows;
  }

  /** Every User with IsActive: a deactivated User cannot own records (INACTIVE_OWNER_OR_USER). */
  async function owners(): Promise<CrmOwner[]> {
    const users = await query('GET /query User', 'SELECT Id, Name, Email, IsActive FROM User', userRow);
    return users.map((user) => ({
      id: user.Id,
      name: user.Name ?? null,
      email: user.Email ?? null,
      active: user.IsActive,
    }));
  }

  /**
   * POST /sobjects/Task: WhoId is the Lead or Contact, OwnerId the assignee (omitted: the API user), ActivityDate
   * the due date. https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-task.html
   */
  async function createTask(spec: TaskSpec): Promise<HookOutcome> {
    const endpoint = 'POST /sobjects/Task';
    return outcomeOf(endpoint, async () => {
      const raw = await client.request(endpoint, {
        method: 'POST',
        url: '/sobjects/Task',
        body: {
          WhoId: spec.externalId,
          ...(spec.ownerId !== undefined ? { OwnerId: spec.ownerId } : {}),
          Subject: spec.subject,
          Description: spec.body,
          ActivityDate: new Date(spec.dueAt).toISOString().slice(0, 10),
          Status: 'Not Started',
          Priority: PRIORITY[spec.priority],
        },
      });
      return parse(createResult, raw, endpoint).id;
    });
  }

  /**
   * Description is a long text area, which SOQL cannot filter on: match the record and the exact subject, then
   * look for the marker in the descriptions returned.
   */
  async function findTask(spec: TaskSpec): Promise<string | undefined> {
    const soql =
      `SELECT Id, Description FROM Task WHERE WhoId = ${soqlString(spec.externalId)} ` +
      `AND Subject = ${soqlString(spec.subject)} ORDER BY CreatedDate DESC LIMIT 50`;
    const tasks = await query('GET /query Task', soql, taskRow);
    return tasks.find((task) => (task.Description ?? '').includes(spec.marker))?.Id;
  }

  async function update(externalId: string, values: Record<string, string>): Promise<HookOutcome> {
    const endpoint = `PATCH /sobjects/${object}/{id}`;
    return outcomeOf(endpoint, async () => {
      await client.request(endpoint, {
        method: 'PATCH',
        url: `/sobjects/${object}/${encodeURIComponent(externalId)}`,
        body: values,
      });
      return Object.values(values).join(',');
    });
  }

  return {
    target: SALESFORCE_SOURCE,
    owners,
    findTask,
    createTask,
    assignOwner: (externalId, ownerId) => update(externalId, { OwnerId: ownerId }),
    setLifecycle: (externalId, field, value) => update(externalId, { [field]: value }),
    lifecycle: { field: 'Status', values: {}, order: LEAD_STATUS_ORDER },
  };
}

function parse<S extends z.ZodType>(schema: S, raw: unknown, endpoint: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new SalesforceApiError('ERR_CRM_RESPONSE', `Salesforce ${endpoint} answered an unexpected shape`, {
    cause: result.error,
  });
}

async function outcomeOf(endpoint: string, write: () => Promise<string>): Promise<HookOutcome> {
  try {
    return { outcome: 'done', result: await write() };
  } catch (error) {
    if (!(error instanceof SalesforceApiError)) throw error;
    if (error.code === 'ERR_CRM_RATE_LIMITED')
      throw new RateLimitedError(error.message, error.retryAt ?? Date.now() + 60_000);
    const retryable = error.code === 'ERR_CRM_UNAVAILABLE' || error.code === 'ERR_CRM_RESPONSE';
    const ownerError =
      error.errorCode !== undefined &&
      OWNER_ERRORS.has(error.errorCode) &&
      (error.errorCode === 'INACTIVE_OWNER_OR_USER' || /owner/i.test(error.message));
    return {
      outcome: 'failed',
      retryable,
      message: `${endpoint}: ${error.message}`,
      ...(ownerError ? { invalidOwner: true } : {}),
    };
  }
}
