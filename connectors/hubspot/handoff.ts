import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/models/AssociationSpec.js';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/models/Filter.js';
import { z } from 'zod';
import { RateLimitedError } from '../../src/crm/ports.js';
import type { CrmOwner, HandoffHooks, HookOutcome, TaskSpec } from '../../src/handoff/ports.js';
import { HubSpotApiError, type HubSpotClient } from './client.js';
import { PAGE_SIZES } from './limits.js';
import { HUBSPOT_SOURCE } from './mapping.js';
import { parseResponse } from './schemas.js';

/**
 * HubSpot's hand-off hooks: owners (active and archived), tasks associated with the contact, the contact owner
 * and lifecycle stage. Errors become per-action outcomes; only a rate limit is thrown (RateLimitedError).
 */

const EP = {
  owners: 'GET /crm/v3/owners',
  createTask: 'POST /crm/v3/objects/tasks',
  searchTasks: 'POST /crm/v3/objects/tasks/search',
  updateContact: 'PATCH /crm/v3/objects/contacts/{contactId}',
} as const;

/**
 * HUBSPOT_DEFINED association type "task to contact".
 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide (association type ids)
 */
export const TASK_TO_CONTACT = 204;

// Lifecycle stages only move forward in HubSpot; their internal values in order.
// https://knowledge.hubspot.com/records/use-lifecycle-stages
export const LIFECYCLE_ORDER = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];

const PRIORITY = { high: 'HIGH', normal: 'MEDIUM', low: 'LOW' } as const;

// The SDK hands back PublicOwner models; `archived` and `userId` are what tell an active owner apart.
const ownersPage = z.object({
  results: z.array(
    z.object({
      id: z.string().min(1),
      email: z.string().nullish(),
      firstName: z.string().nullish(),
      lastName: z.string().nullish(),
      userId: z.number().nullish(),
      archived: z.boolean().nullish(),
    }),
  ),
  paging: z.object({ next: z.object({ after: z.string().min(1) }).nullish() }).nullish(),
});

const taskSearchPage = z.object({
  results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullish()) })),
});

export interface HubSpotHandoffOptions {
  client: HubSpotClient;
}

export function createHubSpotHandoff(options: HubSpotHandoffOptions): HandoffHooks {
  const { client } = options;

  /**
   * GET /crm/v3/owners pages, then again with archived=true (which returns only archived owners). An owner whose
   * user was deactivated keeps its id but loses `userId` (only `userIdIncludingInactive` stays) ◐.
   * https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide
   */
  async function owners(): Promise<CrmOwner[]> {
    const out: CrmOwner[] = [];
    for (const archived of [false, true]) {
      let after: string | undefined;
      do {
        const raw = await client.call(EP.owners, 'standard', (sdk) =>
          sdk.crm.owners.ownersApi.getPage(undefined, after, PAGE_SIZES.list, archived),
        );
        const page = parseResponse(ownersPage, raw, EP.owners);
        for (const owner of page.results) {
          const name = [owner.firstName, owner.lastName].filter(Boolean).join(' ');
          out.push({
            id: owner.id,
            email: owner.email ?? null,
            name: name === '' ? null : name,
            active:
              !archived && owner.archived !== true && owner.userId !== null && owner.userId !== undefined,
          });
        }
        after = page.paging?.next?.after;
      } while (after);
    }
    return out;
  }

  /**
   * POST /crm/v3/objects/tasks with the contact association; hs_timestamp is the due date and is required.
   * https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide
   */
  async function createTask(spec: TaskSpec): Promise<HookOutcome> {
    return outcomeOf(EP.createTask, async () => {
      const created = await client.call(
        EP.createTask,
        'standard',
        (sdk) =>
          sdk.crm.objects.tasks.basicApi.create({
            properties: {
              hs_timestamp: new Date(spec.dueAt).toISOString(),
              hs_task_subject: spec.subject,
              hs_task_body: spec.body,
              hs_task_status: 'NOT_STARTED',
              hs_task_priority: PRIORITY[spec.priority],
              hs_task_type: 'TODO',
              ...(spec.ownerId !== undefined ? { hubspot_owner_id: spec.ownerId } : {}),
            },
            associations: [
              {
                to: { id: spec.externalId },
                types: [
                  {
                    associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum,
                    associationTypeId: TASK_TO_CONTACT,
                  },
                ],
              },
            ],
          }),
        { onRateLimit: 'throw' },
      );
      return created.id;
    });
  }

  /**
   * Tasks associated with the contact whose body holds the marker. Search is eventually consistent (a task made
   * seconds ago may not show yet ◐), which is why the engine only looks after an interrupted attempt.
   * https://developers.hubspot.com/docs/api-reference/search/guide (associations.contact filter)
   */
  async function findTask(spec: TaskSpec): Promise<string | undefined> {
    const raw = await client.call(EP.searchTasks, 'search', (sdk) =>
      sdk.crm.objects.tasks.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              {
                propertyName: 'associations.contact',
                operator: 'EQ' as FilterOperatorEnum,
                value: spec.externalId,
              },
            ],
          },
        ],
        properties: ['hs_task_body', 'hs_task_subject'],
        limit: 100,
        after: '0',
        sorts: [],
      }),
    );
    const page = parseResponse(taskSearchPage, raw, EP.searchTasks);
    return page.results.find((task) => (task.properties.hs_task_body ?? '').includes(spec.marker))?.id;
  }

  async function updateContact(externalId: string, properties: Record<string, string>): Promise<HookOutcome> {
    return outcomeOf(EP.updateContact, async () => {
      await client.call(
        EP.updateContact,
        'standard',
        (sdk) => sdk.crm.contacts.basicApi.update(externalId, { properties }),
        { onRateLimit: 'throw' },
      );
      return Object.values(properties).join(',');
    });
  }

  return {
    target: HUBSPOT_SOURCE,
    owners,
    findTask,
    createTask,
    assignOwner: (externalId, ownerId) => updateContact(externalId, { hubspot_owner_id: ownerId }),
    setLifecycle: (externalId, field, value) => updateContact(externalId, { [field]: value }),
    lifecycle: {
      field: 'lifecyclestage',
      values: { MQL: 'marketingqualifiedlead', SQL: 'salesqualifiedlead' },
      order: LIFECYCLE_ORDER,
    },
  };
}

/** Runs a write; a coded failure becomes an outcome (retryable unless the request itself is wrong). */
async function outcomeOf(endpoint: string, write: () => Promise<string>): Promise<HookOutcome> {
  try {
    return { outcome: 'done', result: await write() };
  } catch (error) {
    if (!(error instanceof HubSpotApiError)) throw error;
    if (error.code === 'ERR_CRM_RATE_LIMITED')
      throw new RateLimitedError(error.message, error.retryAt ?? Date.now() + 10_000);
    const text = `${error.message} ${JSON.stringify(error.body ?? '')}`;
    const retryable = error.code === 'ERR_CRM_UNAVAILABLE' || error.code === 'ERR_CRM_RESPONSE';
    return {
      outcome: 'failed',
      retryable,
      message: `${endpoint}: ${error.message}`,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(/hubspot_owner_id|INVALID_OWNER_ID/.test(text) ? { invalidOwner: true } : {}),
    };
  }
}
