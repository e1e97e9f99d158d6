export {
  type DeepReadonly,
  deepFreeze,
  type LoadedConfig,
  loadConfig,
  loadRulesFile,
  resolveConfigPath,
} from './load.js';
export {
  type ConfigInput,
  type ConnectionConfig,
  configSchema,
  DEFAULT_FIELD_NAMES,
  type HubSpotConfig,
  type LogLevel,
  type SalesforceConfig,
  type ScheduleConfig,
  type SecretRef,
  secretRefSchema,
  type WriteBackFields,
} from './schema.js';
export {
  decryptSecret,
  encryptSecret,
  findClearSecrets,
  readMasterKey,
  resolveSecret,
  type SecretDeps,
} from './secrets.js';
export { type StarterOptions, starterConfigText } from './starter.js';
export {
  type ConfigIssue,
  ConfigIssuesError,
  parseYaml,
  parseYamlWithSchema,
  renderIssue,
  validateSource,
  type YamlSource,
} from './yaml-errors.js';
