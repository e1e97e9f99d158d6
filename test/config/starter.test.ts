import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { starterConfigText } from '../../src/config/starter.js';
import { fixtureRules, folderWith } from './helpers.js';

const EXAMPLE = new URL('../../config/leadscore.example.yaml', import.meta.url).pathname;
const DEFAULT_RULES = new URL('../../config/rules.default.yaml', import.meta.url).pathname;

describe('starterConfigText', () => {
  it.each(['none', 'hubspot', 'salesforce'] as const)(
    'given crm %s, when written and loaded, then it is valid',
    (crm) => {
      const dir = folderWith({ 'rules.yaml': fixtureRules });
      const text = starterConfigText({ crm, rulesPath: './rules.yaml', databasePath: './data/leadscore.db' });
      const configPath = join(dir, 'leadscore.yaml');
      writeFileSync(configPath, text);

      const config = loadConfig(configPath);

      expect(config.connection.crm).toBe(crm);
      expect(config.database).toBe(join(dir, 'data', 'leadscore.db'));
      expect(text).toMatch(/^# /);
    },
  );

  it('given paths that need quoting, when written and loaded, then they survive intact', () => {
    const dir = folderWith({ 'rules #1.yaml': fixtureRules });
    const text = starterConfigText({ crm: 'none', rulesPath: './rules #1.yaml', databasePath: ': odd.db' });
    writeFileSync(join(dir, 'leadscore.yaml'), text);

    const config = loadConfig(join(dir, 'leadscore.yaml'));

    expect(config.files.rules).toBe(join(dir, 'rules #1.yaml'));
    expect(config.database).toBe(join(dir, ': odd.db'));
  });
});

describe('config/leadscore.example.yaml', () => {
  it('given the example beside a rules file, when loaded, then it is a valid HubSpot config reading HUBSPOT_TOKEN', () => {
    const dir = folderWith({
      'leadscore.yaml': readFileSync(EXAMPLE, 'utf8'),
      'rules.default.yaml': fixtureRules,
    });

    const config = loadConfig(join(dir, 'leadscore.yaml'));

    expect(config.connection).toMatchObject({ crm: 'hubspot', hubspot: { token: { env: 'HUBSPOT_TOKEN' } } });
  });

  it.skipIf(!existsSync(DEFAULT_RULES))(
    'given the example in place, when loaded, then the shipped rules load too',
    () => {
      const config = loadConfig(EXAMPLE);

      expect(config.files.rules).toBe(DEFAULT_RULES);
    },
  );
});
