export {
  type HandoffDrainStats,
  type HandoffOptions,
  type HandoffStats,
  type HandoffStep,
  type HandoffStepStats,
  type PlanStats,
  planHandoffs,
  runHandoff,
  runHandoffStep,
  sendHandoffs,
} from './engine.js';
export type { CrmOwner, HandoffHooks, HookOutcome, LifecycleDefaults, TaskSpec } from './ports.js';
export { type HandoffSettings, resolveHandoffSettings } from './settings.js';
