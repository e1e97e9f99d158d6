export type { OAuthCredentials, TokenInfo } from './auth.js';
export { DEFAULT_SCOPES } from './auth.js';
export { DEFAULT_BEHAVIOURS, type SandboxBehaviours, type Tier } from './behaviours.js';
export { runSandboxCli, SANDBOX_CLI_USAGE, type SandboxCliIo } from './cli.js';
export type { Fault } from './controls.js';
export { type Dataset, EV, generateDataset } from './generator.js';
export {
  type HubSpotSandbox,
  type HubSpotSandboxOptions,
  type RequestLogEntry,
  type SandboxState,
  startHubSpotSandbox,
} from './server.js';
