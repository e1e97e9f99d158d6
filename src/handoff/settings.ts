import type { LoadedConfig } from '../config/load.js';
import type { SecretRef } from '../config/schema.js';
import { LeadscoreError } from '../errors.js';
import type { Stage } from '../scoring/stages.js';
import type { LifecycleDefaults } from './ports.js';

/** The hand-off config with its names checked against the rules and its secrets resolved; frozen by the caller. */
export interface HandoffSettings {
  /** Hand-off stages, lowest first. */
  stages: string[];
  /** Every stage of the rules, lowest first. */
  stageOrder: string[];
  firstScores: 'skip' | 'handoff';
  maxAgeMs: number;
  maxAttempts: number;
  task: { enabled: boolean; dueInMs: number; priority: 'high' | 'normal' | 'low'; reasons: number };
  routing: RoutingSettings;
  webhooks: WebhookSettings[];
  lifecycle: { enabled: boolean; field: string; values: Record<string, string>; order: string[] };
}

export interface RoutingRule {
  name: string;
  countries?: readonly string[];
  region?: string;
  minCompanySize?: number;
  maxCompanySize?: number;
  team?: string;
  owner?: string;
}

export interface RoutingSettings {
  teams: Readonly<Record<string, readonly string[]>>;
  regions: Readonly<Record<string, readonly string[]>>;
  rules: readonly RoutingRule[];
  fallbackOwner?: string;
  reassignInactiveOwners: boolean;
}

export interface WebhookSettings {
  name: string;
  url: string;
  stages: string[];
  format: 'json' | 'slack';
  /** The resolved HMAC key (never logged). */
  secret?: string;
  timeoutMs: number;
}

export function resolveHandoffSettings(
  config: LoadedConfig['handoff'],
  stages: readonly Stage[],
  lifecycle: LifecycleDefaults,
  secret: (ref: SecretRef) => string,
): HandoffSettings {
  const stageOrder = stages.map((stage) => stage.name);
  const known = (name: string, key: string) => {
    if (!stageOrder.includes(name)) {
      throw new LeadscoreError(
        'ERR_CONFIG_INVALID',
        `handoff.${key}: "${name}" is not a stage of the rules (they have ${stageOrder.join(', ') || 'no stages'})`,
        { hint: 'Name stages as the rules file does under `stages:`.' },
      );
    }
    return name;
  };
  const handoffStages = config.stages.map((name) => known(name, 'stages'));
  const values = { ...lifecycle.values, ...(config.lifecycle.values ?? {}) };
  if (config.lifecycle.enabled)
    for (const stage of Object.keys(config.lifecycle.values ?? {})) known(stage, 'lifecycle.values');
  return {
    stages: stageOrder.filter((name) => handoffStages.includes(name)),
    stageOrder,
    firstScores: config.firstScores,
    maxAgeMs: config.maxAgeHours * 3_600_000,
    maxAttempts: config.maxAttempts,
    task: {
      enabled: config.task.enabled,
      dueInMs: config.task.dueInHours * 3_600_000,
      priority: config.task.priority,
      reasons: config.task.reasons,
    },
    routing: {
      teams: config.routing.teams,
      regions: config.routing.regions,
      rules: config.routing.rules,
      ...(config.routing.fallbackOwner !== undefined ? { fallbackOwner: config.routing.fallbackOwner } : {}),
      reassignInactiveOwners: config.routing.reassignInactiveOwners,
    },
    webhooks: config.webhooks.map((hook) => ({
      name: hook.name,
      url: hook.url,
      stages: (hook.stages ?? handoffStages).map((name) => known(name, `webhooks.${hook.name}.stages`)),
      format: hook.format,
      ...(hook.secret !== undefined ? { secret: secret(hook.secret) } : {}),
      timeoutMs: hook.timeoutMs,
    })),
    lifecycle: {
      enabled: config.lifecycle.enabled,
      field: config.lifecycle.field ?? lifecycle.field,
      values,
      order: [...(config.lifecycle.order ?? lifecycle.order)],
    },
  };
}
