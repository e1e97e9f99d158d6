import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveConfigPath } from '../../src/config/load.js';
import { isLeadscoreError } from '../../src/errors.js';
import { fixtureRules, folderWith, issuesOf } from './helpers.js';

const hubspot = `rules: ./rules.yaml
connection:
  crm: hubspot
  hubspot:
    token: { env: HUBSPOT_TOKEN }
`;

describe('loadConfig', () => {
  it('given a minimal HubSpot config, when loaded, then defaults are filled and paths resolved from its folder', () => {
    const dir = folderWith({ 'leadscore.yaml': hubspot, 'rules.yaml': fixtureRules });

    const config = loadConfig(join(dir, 'leadscore.yaml'));

    expect(config.database).toBe(join(dir, 'leadscore.db'));
    expect(config.files).toEqual({ config: join(dir, 'leadscore.yaml'), rules: join(dir, 'rules.yaml') });
    expect(config.rules.name).toBe('test rules');
    expect(config.connection).toEqual({
      crm: 'hubspot',
      hubspot: { auth: 'privateApp', token: { env: 'HUBSPOT_TOKEN' }, tier: 'professional' },
    });
    expect(config.schedule).toEqual({
      incremental: '*/10 * * * *',
      reconcile: '30 2 * * *',
      timezone: 'UTC',
    });
    expect(config.writeBack).toEqual({
      enabled: true,
      fields: {
        score: 'leadscore_score',
        band: 'leadscore_band',
        fit: 'leadscore_fit',
        engagement: 'leadscore_engagement',
        reasons: 'leadscore_reasons',
        stage: 'leadscore_stage',
        updatedAt: 'leadscore_updated_at',
      },
      propertyGroup: 'leadscore',
      onHumanOverwrite: 'respect',
    });
    expect(config.scoring).toEqual({ asOfResolution: 'day' });
    expect(config.limits).toEqual({ dailyBudgetShare: 0.5 });
    expect(config.logging).toEqual({ level: 'info' });
  });

  it('given a loaded config, when code tries to change it at any depth, then it is frozen', () => {
    const dir = folderWith({ 'leadscore.yaml': hubspot, 'rules.yaml': fixtureRules });

    const config = loadConfig(join(dir, 'leadscore.yaml'));

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.connection)).toBe(true);
    expect(Object.isFrozen(config.writeBack.fields)).toBe(true);
    expect(Object.isFrozen(config.rules.engagement.rules[0])).toBe(true);
    expect(() => {
      (config.limits as { dailyBudgetShare: number }).dailyBudgetShare = 1;
    }).toThrow(TypeError);
  });

  it('given a Salesforce config, when loaded, then the API version and field names suit Salesforce', () => {
    const text = `rules: ./rules.yaml
connection:
  crm: salesforce
  salesforce:
    clientId: 3MVG9abc
    clientSecret: { env: SF_SECRET }
    refreshToken: { secret: sf-refresh }
    apiVersion: 61.0
`;
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const config = loadConfig(join(dir, 'leadscore.yaml'));

    expect(config.connection.crm === 'salesforce' && config.connection.salesforce).toMatchObject({
      loginUrl: 'https://login.salesforce.com',
      apiVersion: '61.0',
      object: 'Lead',
      refreshToken: { secret: 'sf-refresh' },
    });
    expect(config.writeBack.fields.score).toBe('leadscore_score__c');
  });

  it('given rules written inline, when loaded, then they are parsed and files.rules is the config', () => {
    const inline = fixtureRules
      .split('\n')
      .map((line) => (line.startsWith('#') || line === '' ? line : `  ${line}`))
      .join('\n');
    const dir = folderWith({ 'leadscore.yaml': `database: data/ls.db\nrules:\n${inline}` });

    const config = loadConfig(join(dir, 'leadscore.yaml'));

    expect(config.rules.engagement.rules.map((rule) => rule.id)).toEqual(['demo-request', 'email-click']);
    expect(config.files.rules).toBe(join(dir, 'leadscore.yaml'));
    expect(config.database).toBe(join(dir, 'data', 'ls.db'));
  });

  it('given an error in inline rules, when loaded, then it is reported with the rules. prefix and config line', () => {
    const text = `rules:
  version: 1
  name: inline
  fit: { rules: [] }
  engagement:
    rules:
      - { id: a, label: A, points: ten, event: email_open }
  bands: { fit: { A: 3, B: 2, C: 1 }, engagement: { "1": 3, "2": 1 } }
`;
    const dir = folderWith({ 'leadscore.yaml': text });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toBe(
      'rules.engagement.rules[0].points: expected a number, got "ten" (leadscore.yaml:7)',
    );
  });

  it('given an error inside the included rules file, when loaded, then it names that file and its line', () => {
    const broken = fixtureRules.replace('points: 30', 'points: thirty');
    const dir = folderWith({ 'leadscore.yaml': hubspot, 'rules.yaml': broken });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.code).toBe('ERR_RULES_INVALID');
    expect(error.message).toBe('engagement.rules[0].points: expected a number, got "thirty" (rules.yaml:17)');
  });

  it('given a rules path that does not exist, when loaded, then the config line naming it is reported', () => {
    const dir = folderWith({ 'leadscore.yaml': `# c\n${hubspot.replace('./rules.yaml', './nope.yaml')}` });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toBe(`rules: rules file not found: ${join(dir, 'nope.yaml')} (leadscore.yaml:2)`);
  });

  it('given a bad cron expression, when loaded, then the schedule key and value are reported', () => {
    const text = `${hubspot}schedule:\n  incremental: every 10 minutes\n`;
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.issues).toEqual([
      {
        path: 'schedule.incremental',
        message:
          'expected a cron expression (minute hour day-of-month month day-of-week) such as "*/10 * * * *", got "every 10 minutes"',
        file: 'leadscore.yaml',
        line: 7,
      },
    ]);
  });

  it('given an unquoted cron expression, when loaded, then the syntax error says to quote it', () => {
    const text = `${hubspot}schedule:\n  incremental: */5 * * * *\n`;
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('quote values that start with "*", such as cron expressions');
    expect(error.issues[0]?.line).toBe(7);
  });

  it('given a misspelt key and a bad enum, when loaded, then both are reported at once', () => {
    const text = `${hubspot}writeBack:\n  enabeld: false\n  onHumanOverwrite: keep\n`;
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.message.split('\n')).toEqual([
      'writeBack: unknown key "enabeld" (did you mean "enabled"?) (leadscore.yaml:7)',
      'writeBack.onHumanOverwrite: expected one of overwrite, respect (leadscore.yaml:8)',
    ]);
  });

  it('given a misspelt top-level key, when loaded, then the suggestion comes from the config keys', () => {
    const dir = folderWith({ 'leadscore.yaml': `${hubspot}databse: ./x.db\n`, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.message).toBe('unknown key "databse" (did you mean "database"?) (leadscore.yaml:6)');
  });

  it('given an unknown CRM, when loaded, then the allowed CRMs are listed', () => {
    const dir = folderWith({ 'leadscore.yaml': 'rules: ./rules.yaml\nconnection:\n  crm: Hubspot\n' });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.message).toBe(
      'connection: expected crm to be one of none, hubspot, salesforce (did you mean "hubspot"?) (leadscore.yaml:3)',
    );
  });

  it('given HubSpot oauth without its credentials, when loaded, then each missing key is named', () => {
    const text =
      'rules: ./rules.yaml\nconnection:\n  crm: hubspot\n  hubspot:\n    auth: oauth\n    clientId: abc\n';
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.issues.map((issue) => `${issue.path}@${issue.line}`)).toEqual([
      'connection.hubspot.clientSecret@4',
      'connection.hubspot.refreshToken@4',
    ]);
  });

  it('given a share of the daily budget above 1, when loaded, then the bound is stated', () => {
    const text = `${hubspot}limits:\n  dailyBudgetShare: 1.5\n`;
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.message).toBe('limits.dailyBudgetShare: expected at most 1, got 1.5 (leadscore.yaml:7)');
  });

  it('given a token written in clear, when loaded, then ERR_SECRET_IN_CONFIG names the key and line but not the value', () => {
    const text = hubspot.replace('{ env: HUBSPOT_TOKEN }', 'pat-na1-0123-secret-value');
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.code).toBe('ERR_SECRET_IN_CONFIG');
    expect(error.issues.map((issue) => `${issue.path}@${issue.line}`)).toEqual([
      'connection.hubspot.token@5',
    ]);
    expect(`${error.message} ${error.hint} ${JSON.stringify(error.issues)}`).not.toContain('pat-na1');
  });

  it('given a password under any key anywhere in the file, when loaded, then it is refused without echoing it', () => {
    const text = `${hubspot}extra:\n  - proxy:\n      password: hunter2\n`;
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.code).toBe('ERR_SECRET_IN_CONFIG');
    expect(error.issues.map((issue) => `${issue.path}@${issue.line}`)).toEqual(['extra[0].proxy.password@8']);
    expect(error.message).not.toContain('hunter2');
  });

  it('given a Salesforce private key pasted as a block, when loaded, then it is refused without echoing it', () => {
    const text = `rules: ./rules.yaml
connection:
  crm: salesforce
  salesforce:
    clientId: abc
    username: integration@example.com
    privateKey: |
      -----BEGIN PRIVATE KEY-----
      MIIEvQIBADANBg
`;
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.code).toBe('ERR_SECRET_IN_CONFIG');
    expect(error.message).toContain('connection.salesforce.privateKey');
    expect(error.message).not.toContain('MIIE');
  });

  it('given a secret reference to the store, when loaded, then it is accepted', () => {
    const text = hubspot.replace('{ env: HUBSPOT_TOKEN }', '{ secret: hubspot-token }');
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const config = loadConfig(join(dir, 'leadscore.yaml'));

    expect(config.connection.crm === 'hubspot' && config.connection.hubspot.token).toEqual({
      secret: 'hubspot-token',
    });
  });

  it('given a reference naming both env and secret, when loaded, then it is refused', () => {
    const text = hubspot.replace('{ env: HUBSPOT_TOKEN }', '{ env: A, secret: b }');
    const dir = folderWith({ 'leadscore.yaml': text, 'rules.yaml': fixtureRules });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.message).toBe(
      'connection.hubspot.token: expected exactly one of { env: NAME } or { secret: NAME } (leadscore.yaml:5)',
    );
  });

  it('given no file at the path, when loaded, then ERR_CONFIG_NOT_FOUND names the path tried', () => {
    const path = join(folderWith({}), 'missing.yaml');

    expect(() => loadConfig(path)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_NOT_FOUND' }));
    expect(() => loadConfig(path)).toThrow(path);
  });

  it('given an empty file, when loaded, then it asks for the rules key', () => {
    const dir = folderWith({ 'leadscore.yaml': '' });

    const error = issuesOf(() => loadConfig(join(dir, 'leadscore.yaml')));

    expect(error.issues[0]?.path).toBe('');
    expect(error.message).toContain('expected a mapping (key: value lines), got nothing (leadscore.yaml:1)');
  });
});

describe('resolveConfigPath', () => {
  const none = () => false;

  it('given a --config flag, when resolved, then it wins over the environment', () => {
    const path = resolveConfigPath('etc/ls.yaml', {
      env: { LEADSCORE_CONFIG: '/x.yaml' },
      cwd: '/srv',
      exists: none,
    });

    expect(path).toBe('/srv/etc/ls.yaml');
  });

  it('given LEADSCORE_CONFIG and no flag, when resolved, then the environment is used', () => {
    expect(
      resolveConfigPath(undefined, { env: { LEADSCORE_CONFIG: '/x.yaml' }, cwd: '/srv', exists: none }),
    ).toBe('/x.yaml');
  });

  it('given only ./config/leadscore.yaml exists, when resolved, then it is found', () => {
    const exists = (path: string) => path === '/srv/config/leadscore.yaml';

    expect(resolveConfigPath(undefined, { env: {}, cwd: '/srv', exists })).toBe('/srv/config/leadscore.yaml');
  });

  it('given both defaults exist, when resolved, then ./leadscore.yaml wins', () => {
    expect(resolveConfigPath(undefined, { env: {}, cwd: '/srv', exists: () => true })).toBe(
      '/srv/leadscore.yaml',
    );
  });

  it('given nothing to go on, when resolved, then ERR_CONFIG_NOT_FOUND names both defaults', () => {
    try {
      resolveConfigPath(undefined, { env: {}, cwd: '/srv', exists: none });
      expect.unreachable();
    } catch (error) {
      expect(isLeadscoreError(error) && error.code).toBe('ERR_CONFIG_NOT_FOUND');
      expect((error as Error).message).toContain('/srv/leadscore.yaml and /srv/config/leadscore.yaml');
    }
  });
});
