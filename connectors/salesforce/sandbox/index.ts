export type { Edition, SandboxBehaviours } from './behaviours.js';
export { runSandboxCli } from './cli.js';
export {
  type CustomFieldSpec,
  type FaultSpec,
  type RequestLogEntry,
  type SalesforceSandbox,
  type SandboxOptions,
  type SandboxState,
  startSalesforceSandbox,
} from './server.js';
