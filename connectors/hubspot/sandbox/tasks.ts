import type { SandboxBehaviours } from './behaviours.js';
import {
  httpError,
  objectNotFound,
  propertyIssue,
  propertyValuesNotValid,
  validationError,
} from './errors.js';
import { json, listParam, type Route, route } from './http.js';
import { OWNERS } from './pools.js';
import type { PropertyType } from './properties.js';
import { runSearch, type SearchRequestBody, type SearchSource } from './search.js';
import { type ContactStore, iso } from './store.js';

/**
 * Owners and tasks, for the hand-off: the owner directory with archived owners and deactivated users, and the
 * tasks API (create, batch create, read, search) with the validation that matters to a caller.
 * Owners: https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide (spec CRM/Crm Owners v3).
 * Tasks: https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide (spec CRM/Tasks v3).
 */

const CONTACTS_READ = ['crm.objects.contacts.read'];
const CONTACTS_WRITE = ['crm.objects.contacts.write'];
const OWNERS_READ = ['crm.objects.owners.read'];

/** HUBSPOT_DEFINED task -> contact. */
const TASK_TO_CONTACT = 204;
const TASK_ENUMS: Record<string, readonly string[]> = {
  hs_task_status: ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'],
  hs_task_priority: ['NONE', 'LOW', 'MEDIUM', 'HIGH'],
  hs_task_type: ['TODO', 'CALL', 'EMAIL', 'LINKED_IN', 'LINKED_IN_CONNECT', 'LINKED_IN_MESSAGE'],
};
/** Batch endpoints take at most 100 inputs. */
const BATCH_MAX = 100;

export interface SandboxOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  team: string;
  /** Absent once the owner's user is deactivated (userIdIncludingInactive keeps it) ◐. */
  userId: number | undefined;
  userIdIncludingInactive: number;
  archived: boolean;
}

interface SandboxTask {
  id: string;
  properties: Record<string, string | null>;
  contactIds: string[];
  createdAt: number;
  updatedAt: number;
}

/** The sandbox's owners and tasks; tests change owners through these methods. */
export class HandoffObjects {
  readonly owners: SandboxOwner[] = OWNERS.map((owner) => ({
    ...owner,
    userId: owner.userId,
    userIdIncludingInactive: owner.userId,
    archived: false,
  }));
  readonly tasks: SandboxTask[] = [];
  #nextTaskId = 60_000_000_001;

  constructor(private readonly now: () => number) {}

  /** Removes an owner from the portal (GET /crm/v3/owners then lists it only with archived=true). */
  archiveOwner(id: string): void {
    const owner = this.owners.find((candidate) => candidate.id === id);
    if (owner) owner.archived = true;
  }

  /** Deactivates the owner's user: the owner stays listed, without `userId`. */
  deactivateUser(id: string): void {
    const owner = this.owners.find((candidate) => candidate.id === id);
    if (owner) owner.userId = undefined;
  }

  /** An owner tasks and records can be assigned to. */
  assignable(id: string): boolean {
    const owner = this.owners.find((candidate) => candidate.id === id);
    return owner !== undefined && !owner.archived && owner.userId !== undefined;
  }

  tasksOfContact(contactId: string): SandboxTask[] {
    return this.tasks.filter((task) => task.contactIds.includes(contactId));
  }

  addTask(properties: Record<string, string | null>, contactIds: string[]): SandboxTask {
    const at = this.now();
    const task: SandboxTask = {
      id: String(this.#nextTaskId++),
      properties: { ...properties, hs_createdate: iso(at), hs_lastmodifieddate: iso(at) },
      contactIds,
      createdAt: at,
      updatedAt: at,
    };
    this.tasks.push(task);
    return task;
  }
}

function ownerObject(owner: SandboxOwner) {
  return {
    id: owner.id,
    email: owner.email,
    type: 'PERSON',
    firstName: owner.firstName,
    lastName: owner.lastName,
    ...(owner.userId !== undefined ? { userId: owner.userId } : {}),
    userIdIncludingInactive: owner.userIdIncludingInactive,
    createdAt: '2024-01-10T09:00:00.000Z',
    updatedAt: '2024-06-01T09:00:00.000Z',
    archived: owner.archived,
    teams: [{ id: String(100 + owner.team.length), name: owner.team, primary: true }],
  };
}

function taskObject(task: SandboxTask, properties: string[] | undefined) {
  const names = properties ?? ['hs_task_subject', 'hs_timestamp', 'hs_task_status', 'hs_task_priority'];
  const out: Record<string, string | null> = {
    hs_object_id: task.id,
    hs_createdate: task.properties.hs_createdate ?? null,
    hs_lastmodifieddate: task.properties.hs_lastmodifieddate ?? null,
  };
  for (const name of names) if (name in task.properties) out[name] = task.properties[name] ?? null;
  return {
    id: task.id,
    properties: out,
    createdAt: iso(task.createdAt),
    updatedAt: iso(task.updatedAt),
    archived: false,
  };
}

export interface HandoffRouteDeps {
  store: ContactStore;
  objects: HandoffObjects;
  b: SandboxBehaviours;
  now: () => number;
}

export function handoffRoutes(d: HandoffRouteDeps): Route[] {
  const { objects, store } = d;

  /** Validates one create input; returns the task's properties and contact ids or throws HubSpot's 400. */
  const checkInput = (input: unknown) => {
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw validationError('Invalid input JSON: expected an object.');
    const body = input as { properties?: Record<string, unknown>; associations?: unknown };
    const properties: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(body.properties ?? {}))
      properties[name] = value === null || value === undefined ? null : String(value);
    const issues = [];
    const timestamp = properties.hs_timestamp;
    if (!timestamp) issues.push(propertyIssue('hs_timestamp', 'REQUIRED', 'hs_timestamp is required'));
    else if (Number.isNaN(/^\d+$/.test(timestamp) ? Number(timestamp) : Date.parse(timestamp)))
      issues.push(propertyIssue('hs_timestamp', 'INVALID_DATE', `${timestamp} is not a valid datetime`));
    for (const [name, allowed] of Object.entries(TASK_ENUMS)) {
      const value = properties[name];
      if (value && !allowed.includes(value))
        issues.push(
          propertyIssue(
            name,
            'INVALID_OPTION',
            `${value} was not one of the allowed options: ${allowed.join(', ')}`,
          ),
        );
    }
    const owner = properties.hubspot_owner_id;
    // ◐ the error a deleted or deactivated owner gets on hubspot_owner_id.
    if (owner && !objects.assignable(owner))
      issues.push(propertyIssue('hubspot_owner_id', 'INVALID_OWNER_ID', `${owner} is not a valid owner id`));
    if (issues.length > 0) throw validationError(propertyValuesNotValid(issues));
    const contactIds: string[] = [];
    for (const association of Array.isArray(body.associations) ? body.associations : []) {
      const a = association as { to?: { id?: unknown }; types?: Array<{ associationTypeId?: unknown }> };
      const id = String(a.to?.id ?? '');
      const types = a.types ?? [];
      // UNVERIFIED wording: an association type that does not join a task to a contact.
      if (!types.some((type) => Number(type.associationTypeId) === TASK_TO_CONTACT))
        throw validationError(
          `Association type ids ${JSON.stringify(types.map((t) => t.associationTypeId))} are not valid for task to contact`,
        );
      const row = store.resolve(id);
      if (row < 0 || store.archivedAt.has(row))
        throw httpError(400, 'VALIDATION_ERROR', `No contact with id ${id} to associate the task with`);
      contactIds.push(store.idOf(row));
    }
    return { properties, contactIds };
  };

  const taskSource = (): SearchSource => ({
    rows: () => objects.tasks.keys(),
    get: (row, name) => objects.tasks[row]?.properties[name] ?? null,
    type: (name): PropertyType | undefined =>
      name === 'hs_timestamp' || name === 'hs_createdate' || name === 'hs_lastmodifieddate'
        ? 'datetime'
        : 'string',
    createdAt: (row) => objects.tasks[row]?.createdAt ?? 0,
    modifiedAt: (row) => objects.tasks[row]?.updatedAt ?? 0,
    id: (row) => objects.tasks[row]?.id ?? '',
    associations: (row, toType) =>
      toType.startsWith('contact') ? (objects.tasks[row]?.contactIds ?? []) : [],
    queryProperties: ['hs_task_subject', 'hs_task_body'],
  });

  return [
    route('GET', '/crm/v3/owners', { scopes: OWNERS_READ }, (ctx) => {
      const email = ctx.query.get('email');
      const archived = ctx.query.get('archived') === 'true';
      const limit = Math.min(500, Number(ctx.query.get('limit') ?? 100) || 100);
      const after = Number(ctx.query.get('after') ?? 0) || 0;
      // archived=true returns only archived owners (spec: "Whether to return only results that have been archived").
      const all = objects.owners
        .filter((owner) => owner.archived === archived && (!email || owner.email === email))
        .map(ownerObject);
      const body: Record<string, unknown> = { results: all.slice(after, after + limit) };
      if (after + limit < all.length)
        body.paging = {
          next: { after: String(after + limit), link: `${ctx.baseUrl}/crm/v3/owners?after=${after + limit}` },
        };
      return json(200, body);
    }),
    route('GET', '/crm/v3/owners/:ownerId', { scopes: OWNERS_READ }, (ctx) => {
      const archived = ctx.query.get('archived') === 'true';
      const owner = objects.owners.find((x) => x.id === ctx.params.ownerId && x.archived === archived);
      if (!owner) throw httpError(404, 'OBJECT_NOT_FOUND', `Owner ${ctx.params.ownerId} not found`);
      return json(200, ownerObject(owner));
    }),
    route('POST', '/crm/v3/objects/tasks', { scopes: CONTACTS_WRITE }, (ctx) => {
      const { properties, contactIds } = checkInput(ctx.body);
      return json(201, taskObject(objects.addTask(properties, contactIds), Object.keys(properties)));
    }),
    route('POST', '/crm/v3/objects/tasks/batch/create', { scopes: CONTACTS_WRITE }, (ctx) => {
      const inputs = (ctx.body as { inputs?: unknown } | undefined)?.inputs;
      if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: inputs must be an array.');
      if (inputs.length > BATCH_MAX)
        throw validationError(`Too many inputs: ${inputs.length}; the maximum is ${BATCH_MAX}.`);
      const startedAt = iso(d.now());
      // All or nothing: one invalid input fails the batch (checked before any is created).
      const checked = inputs.map(checkInput);
      const results = checked.map(({ properties, contactIds }) =>
        taskObject(objects.addTask(properties, contactIds), Object.keys(properties)),
      );
      return json(201, { status: 'COMPLETE', results, startedAt, completedAt: iso(d.now()) });
    }),
    route('POST', '/crm/v3/objects/tasks/search', { scopes: CONTACTS_READ, limit: 'search' }, (ctx) => {
      const body = (ctx.body ?? {}) as SearchRequestBody;
      const result = runSearch(taskSource(), body, ctx.rawBody.length, d.b, d.now());
      const out: Record<string, unknown> = {
        total: result.total,
        results: result.rows.map((row) => taskObject(objects.tasks[row] as SandboxTask, body.properties)),
      };
      if (result.nextAfter) out.paging = { next: { after: result.nextAfter } };
      return json(200, out);
    }),
    route('GET', '/crm/v3/objects/tasks/:id', { scopes: CONTACTS_READ }, (ctx) => {
      const task = objects.tasks.find((candidate) => candidate.id === ctx.params.id);
      if (!task) throw objectNotFound(ctx.params.id as string);
      return json(200, taskObject(task, listParam(ctx.query, 'properties')));
    }),
  ];
}
