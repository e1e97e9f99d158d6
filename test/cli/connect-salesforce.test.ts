import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../../connectors/salesforce/sandbox/index.js';
import { defaultRulesPath } from '../../src/cli/commands/setup.js';
import { starterConfigText } from '../../src/config/starter.js';
import { runCliAsync } from './helpers.js';

/** `leadscore connect salesforce` against the in-process sandbox, with permissions revoked through its controls. */

let sb: SalesforceSandbox;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadscore-connect-sf-'));
  sb = await startSalesforceSandbox({
    port: 0,
    seed: 9,
    leads: 20,
    customFields: [{ fullName: 'Lead.leadscore_score__c', type: 'Number', precision: 8, scale: 2 }],
  });
  writeFileSync(
    join(dir, 'leadscore.yaml'),
    starterConfigText({ crm: 'salesforce', rulesPath: defaultRulesPath(), databasePath: './leadscore.db' })
      .replace('loginUrl: https://login.salesforce.com', `loginUrl: "${sb.loginUrl}"`)
      .replace('clientId: REPLACE_WITH_CONSUMER_KEY', `clientId: "${sb.oauth.clientId}"`),
  );
});

afterEach(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const connect = (...extra: string[]) =>
  runCliAsync(['--config', join(dir, 'leadscore.yaml'), ...extra, 'connect', 'salesforce'], {
    env: {
      SALESFORCE_CLIENT_SECRET: sb.oauth.clientSecret,
      SALESFORCE_REFRESH_TOKEN: sb.oauth.refreshToken,
    },
  });

describe('leadscore connect salesforce', () => {
  it('given full access, when connecting, then it exits 0 and reports nothing missing', async () => {
    const result = await connect('--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ crm: 'salesforce', missing: [] });
  });

  it('given a hidden field, a read-only score field and no Opportunity access, when connecting, then each is named and it fails with ERR_CRM_SCOPE', async () => {
    const revoke = (body: Record<string, unknown>) =>
      fetch(`${sb.instanceUrl}/__sandbox/permissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await revoke({ object: 'Lead', field: 'Title', access: 'none' });
    await revoke({ object: 'Lead', field: 'leadscore_score__c', access: 'read' });
    await revoke({ object: 'Opportunity', access: 'none' });
    const result = await connect();
    expect(result.status).not.toBe(0);
    for (const missing of [
      'Lead.Title (Read: field-level security)',
      'Lead.leadscore_score__c (Edit: field-level security)',
      'Opportunity (Read: object permission)',
    ]) {
      expect(result.stdout).toContain(missing);
    }
    expect(result.stderr).toContain('ERR_CRM_SCOPE');
  });
});
