import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig, resolveConfigPath } from '../../config/load.js';
import { encryptSecret, readMasterKey } from '../../config/secrets.js';
import { starterConfigText } from '../../config/starter.js';
import { KNOWN_EVENT_ATTRIBUTES, RECORD_FIELDS } from '../../crm/vocabulary.js';
import { LeadscoreError } from '../../errors.js';
import { referencedFields } from '../../scoring/engine.js';
import { ruleSetHash } from '../../scoring/hash.js';
import { openStore } from '../../store/index.js';
import type { GlobalOptions } from '../context.js';
import { printJson, printLine } from '../output.js';
import { initAdminPassword } from './serve.js';

/** The shipped default rules, found from both src/ (tsx) and dist/src/ (built). */
export function defaultRulesPath(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(folder, 'config', 'rules.default.yaml');
    if (existsSync(candidate)) return candidate;
    folder = dirname(folder);
  }
  throw new LeadscoreError(
    'ERR_CONFIG_NOT_FOUND',
    'The shipped config/rules.default.yaml is missing from this install.',
  );
}

function init(options: {
  dir: string;
  crm: 'none' | 'hubspot' | 'salesforce';
  force?: boolean;
  adminPasswordStdin?: boolean;
}): void {
  const folder = resolve(options.dir);
  mkdirSync(folder, { recursive: true });
  const configPath = join(folder, 'leadscore.yaml');
  const rulesPath = join(folder, 'rules.yaml');
  for (const path of [configPath, rulesPath]) {
    if (existsSync(path) && !options.force) {
      throw new LeadscoreError('ERR_USAGE', `${path} exists already; nothing was written.`, {
        hint: 'Pass --force to overwrite it, or --dir to write elsewhere.',
      });
    }
  }
  copyFileSync(defaultRulesPath(), rulesPath);
  writeFileSync(
    configPath,
    starterConfigText({ crm: options.crm, rulesPath: './rules.yaml', databasePath: './leadscore.db' }),
  );
  const written = loadConfig(configPath); // the starter must be valid as written
  printLine(`Wrote ${configPath} and ${rulesPath}.`);
  if (initAdminPassword(written.database, options.adminPasswordStdin === true))
    printLine('Set the console admin password (`leadscore serve` starts the console).');
  printLine(
    'Next: `leadscore validate`, then `leadscore import --records FILE --events FILE` and `leadscore score`.',
  );
}

interface ValidationReport {
  config: string;
  rules: string;
  rulesetHash: string;
  warnings: string[];
}

function validate(global: GlobalOptions): void {
  const config = loadConfig(resolveConfigPath(global.config));
  const warnings: string[] = [];
  const { fields, attributes } = referencedFields(config.rules);
  const vocabulary = new Set<string>([...RECORD_FIELDS, 'emailDomain']);
  const unknownFields = fields.filter((field) => !vocabulary.has(field));
  if (unknownFields.length > 0 && existsSync(config.database)) {
    const store = openStore(config.database, { readonly: true });
    try {
      const known = new Set(store.knownPropertyNames());
      const count = store.countRecords();
      for (const field of unknownFields) {
        if (!known.has(field) && count > 0) {
          warnings.push(
            `a rule reads "${field}", which is neither a vocabulary field nor a property of any of the ${count} stored records`,
          );
        }
      }
    } finally {
      store.close();
    }
  }
  const knownAttributes = new Set<string>(KNOWN_EVENT_ATTRIBUTES);
  for (const attribute of attributes) {
    if (!knownAttributes.has(attribute)) {
      warnings.push(
        `a rule filters on event attribute "${attribute}", which no connector fills (see docs/vocabulary.md)`,
      );
    }
  }
  const report: ValidationReport = {
    config: config.files.config,
    rules: config.files.rules,
    rulesetHash: ruleSetHash(config.rules),
    warnings,
  };
  if (global.json) {
    printJson({ valid: true, ...report });
    return;
  }
  printLine(`${report.config}: valid.`);
  printLine(`Rules "${config.rules.name}" (${report.rules}): valid, version ${report.rulesetHash}.`);
  for (const warning of warnings) printLine(`warning: ${warning}`);
}

function readStdin(): string {
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

export function registerSetupCommands(program: Command): void {
  program
    .command('init')
    .description('write a starter leadscore.yaml and a copy of the default rules')
    .option('--dir <folder>', 'where to write them', '.')
    .option('--crm <crm>', 'none, hubspot or salesforce', 'none')
    .option('--force', 'overwrite existing files')
    .option(
      '--admin-password-stdin',
      'read the console admin password from standard input (or set $LEADSCORE_ADMIN_PASSWORD)',
    )
    .action((options) => {
      if (!['none', 'hubspot', 'salesforce'].includes(options.crm)) {
        throw new LeadscoreError(
          'ERR_USAGE',
          `--crm "${options.crm}" is not one of none, hubspot, salesforce.`,
        );
      }
      init(options);
    });

  program
    .command('validate')
    .description('check the config and the rules; warn about rules that read fields no record has')
    .action((_options, command: Command) => validate(command.optsWithGlobals()));

  const secret = program
    .command('secret')
    .description('the encrypted secret store (key: LEADSCORE_MASTER_KEY)');
  secret
    .command('set')
    .description('store a secret read from standard input, encrypted; reference it as { secret: NAME }')
    .argument('<name>', 'the secret name')
    .action((name: string, _options, command: Command) => {
      const global: GlobalOptions = command.optsWithGlobals();
      const config = loadConfig(resolveConfigPath(global.config));
      const value = readStdin();
      if (value.length === 0)
        throw new LeadscoreError('ERR_USAGE', 'No secret on standard input; nothing was stored.');
      const masterKey = readMasterKey(process.env);
      if (!masterKey) {
        throw new LeadscoreError(
          'ERR_SECRET_KEY',
          'No master key: LEADSCORE_MASTER_KEY (or LEADSCORE_MASTER_KEY_FILE) is not set.',
        );
      }
      const store = openStore(config.database);
      try {
        store.putSecret(name, encryptSecret(value, masterKey), Date.now());
      } finally {
        store.close();
      }
      printLine(`Stored secret "${name}" (encrypted).`);
    });
  secret
    .command('list')
    .description('list stored secret names (never their values)')
    .action((_options, command: Command) => {
      const global: GlobalOptions = command.optsWithGlobals();
      const config = loadConfig(resolveConfigPath(global.config));
      const store = openStore(config.database);
      try {
        const names = store.listSecretNames();
        if (global.json) printJson(names);
        else printLine(names.length ? names.join('\n') : 'No stored secrets.');
      } finally {
        store.close();
      }
    });
}
