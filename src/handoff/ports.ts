/**
 * What the hand-off engine needs from a CRM: a few typed functions per connector (connectors/<crm>/handoff.ts),
 * wired by the composition root (src/cli/crm.ts). The engine never imports a connector.
 */

/** A person records can be assigned to: a HubSpot owner or a Salesforce User. */
export interface CrmOwner {
  id: string;
  name: string | null;
  email: string | null;
  /** False for an archived HubSpot owner, a deactivated HubSpot user or an inactive Salesforce User. */
  active: boolean;
}

export interface TaskSpec {
  /** The record the task is about (HubSpot contact id, Salesforce Lead/Contact id). */
  externalId: string;
  /** Undefined: leave the owner to the CRM's default (unassigned in HubSpot, the API user in Salesforce). */
  ownerId?: string;
  subject: string;
  body: string;
  /** Epoch ms. */
  dueAt: number;
  priority: 'high' | 'normal' | 'low';
  /** A unique text inside the body, to find a task made by an attempt whose answer was lost. */
  marker: string;
}

/** Per-action result; a hook throws only RateLimitedError (src/crm/ports.ts) or for a bug. */
export type HookOutcome =
  | { outcome: 'done'; result: string; detail?: string }
  | {
      outcome: 'failed';
      retryable: boolean;
      message: string;
      /** The CRM refused the owner (archived, deactivated, unknown): the engine retries without one. */
      invalidOwner?: boolean;
      status?: number;
    };

export interface LifecycleDefaults {
  field: string;
  /** Stage name -> the CRM's value, for the stages the CRM has a natural value for (MQL, SQL). */
  values: Record<string, string>;
  /** The field's values from first to last. */
  order: string[];
}

export interface HandoffHooks {
  /** The CRM, as in records' `source` (e.g. 'hubspot'). */
  target: string;
  /** Every owner, active or not, so a gone owner is told apart from an unknown id. */
  owners(): Promise<CrmOwner[]>;
  /** The id of a task on the record whose body holds `spec.marker`, if one exists. */
  findTask(spec: TaskSpec): Promise<string | undefined>;
  createTask(spec: TaskSpec): Promise<HookOutcome>;
  assignOwner(externalId: string, ownerId: string): Promise<HookOutcome>;
  setLifecycle(externalId: string, field: string, value: string): Promise<HookOutcome>;
  lifecycle: LifecycleDefaults;
}
