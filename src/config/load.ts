import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LeadscoreError } from '../errors.js';
import { type RuleSet, ruleSetSchema } from '../scoring/rules-schema.js';
import {
  type ConnectionConfig,
  configSchema,
  type DaemonConfig,
  type LogLevel,
  type ParsedConfig,
  resolveWriteBackFields,
  type ScheduleConfig,
  type WriteBackFields,
} from './schema.js';
import { findClearSecrets } from './secrets.js';
import {
  type ConfigIssue,
  ConfigIssuesError,
  lineAt,
  parseYaml,
  sortIssues,
  validateSource,
  type YamlSource,
} from './yaml-errors.js';

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** The validated installation config: paths absolute, defaults filled, deeply frozen. */
export interface LoadedConfig {
  /** Absolute path of the SQLite file (or ":memory:"). */
  readonly database: string;
  /**
   * The parsed rules. Frozen at run time like everything here, but typed as RuleSet so it can be handed to
   * the engine's functions as is.
   */
  readonly rules: RuleSet;
  readonly connection: DeepReadonly<ConnectionConfig>;
  readonly schedule: DeepReadonly<ScheduleConfig>;
  readonly daemon: DeepReadonly<DaemonConfig>;
  readonly writeBack: DeepReadonly<Omit<ParsedConfig['writeBack'], 'fields'> & { fields: WriteBackFields }>;
  readonly scoring: DeepReadonly<ParsedConfig['scoring']>;
  readonly model: DeepReadonly<ParsedConfig['model']>;
  readonly handoff: DeepReadonly<ParsedConfig['handoff']>;
  readonly limits: DeepReadonly<ParsedConfig['limits']>;
  readonly logging: { readonly level: LogLevel };
  /** Absolute paths of the files read; `rules` equals `config` when the rules are inline. */
  readonly files: { readonly config: string; readonly rules: string };
}

export interface ResolveConfigPathDeps {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  exists?: (path: string) => boolean;
}

/**
 * --config flag, else LEADSCORE_CONFIG, else ./leadscore.yaml, else ./config/leadscore.yaml. A path given by
 * flag or environment is returned even if missing (loadConfig then says so); with neither, the first default
 * that exists, or ERR_CONFIG_NOT_FOUND naming both.
 */
export function resolveConfigPath(flag?: string, deps: ResolveConfigPathDeps = {}): string {
  const env = deps.env ?? process.env;
  const cwd = deps.cwd ?? process.cwd();
  const exists = deps.exists ?? existsSync;
  if (flag !== undefined && flag !== '') return resolve(cwd, flag);
  const fromEnv = env.LEADSCORE_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(cwd, fromEnv);
  const candidates = [resolve(cwd, 'leadscore.yaml'), resolve(cwd, 'config', 'leadscore.yaml')];
  const found = candidates.find((candidate) => exists(candidate));
  if (found !== undefined) return found;
  throw new LeadscoreError('ERR_CONFIG_NOT_FOUND', `no config file found; tried ${candidates.join(' and ')}`);
}

/** Reads, validates and freezes the config and its rules. Throws a LeadscoreError listing every problem. */
export function loadConfig(path: string): LoadedConfig {
  const configPath = resolve(path);
  const text = readText(configPath, () => {
    throw new LeadscoreError('ERR_CONFIG_NOT_FOUND', `config file not found: ${configPath}`);
  });
  const source = parseYaml(text, configPath, 'ERR_CONFIG_INVALID');

  const clear = findClearSecrets(source);
  if (clear.length > 0) throw new ConfigIssuesError('ERR_SECRET_IN_CONFIG', clear, { hint: SECRET_HINT });

  const parsed = validateSource(source, configSchema);
  if (!parsed.success) {
    // Inline rules are part of this file: report their problems in the same list.
    const inline = inlineRuleIssues(source);
    throw new ConfigIssuesError('ERR_CONFIG_INVALID', sortIssues([...parsed.issues, ...inline]));
  }
  const config = parsed.data;
  const baseDir = dirname(configPath);

  let rules: RuleSet;
  let rulesPath = configPath;
  if (typeof config.rules === 'string') {
    rulesPath = resolve(baseDir, config.rules);
    rules = loadRulesFile(rulesPath, { source, path: ['rules'] });
  } else {
    const result = validateSource(source, ruleSetSchema, ['rules']);
    if (!result.success) throw new ConfigIssuesError('ERR_CONFIG_INVALID', result.issues);
    rules = result.data;
  }

  const loaded: LoadedConfig = {
    database: config.database === ':memory:' ? config.database : resolve(baseDir, config.database),
    rules,
    connection: config.connection,
    schedule: config.schedule,
    daemon: config.daemon,
    writeBack: {
      ...config.writeBack,
      fields: resolveWriteBackFields(config.connection.crm, config.writeBack.fields),
    },
    scoring: config.scoring,
    model: config.model,
    handoff: config.handoff,
    limits: config.limits,
    logging: config.logging,
    files: { config: configPath, rules: rulesPath },
  };
  return deepFreeze(loaded);
}

/**
 * Reads and validates a rules file (ERR_RULES_INVALID naming that file's lines). `referencedFrom` locates
 * the config key that named the file, for a "not found" message pointing at it.
 */
export function loadRulesFile(
  path: string,
  referencedFrom?: { source: YamlSource; path: readonly (string | number)[] },
): RuleSet {
  const rulesPath = isAbsolute(path) ? path : resolve(path);
  const text = readText(rulesPath, () => {
    if (referencedFrom === undefined) {
      throw new LeadscoreError('ERR_RULES_INVALID', `rules file not found: ${rulesPath}`, {
        hint: 'Check the path; `leadscore init` writes a starter rules file.',
      });
    }
    const issue: ConfigIssue = {
      path: 'rules',
      message: `rules file not found: ${rulesPath}`,
      file: referencedFrom.source.file,
      line: lineAt(referencedFrom.source, referencedFrom.path),
    };
    throw new ConfigIssuesError('ERR_CONFIG_INVALID', [issue], {
      hint: 'Fix the rules path (it is relative to the config file), or create the file.',
    });
  });
  const source = parseYaml(text, rulesPath, 'ERR_RULES_INVALID');
  const result = validateSource(source, ruleSetSchema);
  if (!result.success) throw new ConfigIssuesError('ERR_RULES_INVALID', result.issues);
  return deepFreeze(result.data);
}

const SECRET_HINT =
  'Remove the value from the file; put it in an environment variable and write { env: NAME }, or store it with `leadscore secret set NAME` and write { secret: NAME }.';

function inlineRuleIssues(source: YamlSource): ConfigIssue[] {
  const rules = (source.data as { rules?: unknown } | null)?.rules;
  if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) return [];
  const result = validateSource(source, ruleSetSchema, ['rules']);
  return result.success ? [] : result.issues;
}

function readText(path: string, onMissing: () => never): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') onMissing();
    throw new LeadscoreError('ERR_CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: 'Check that the file is readable by the user leadscore runs as.',
    });
  }
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
