import { Connection } from 'jsforce';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSandboxCli } from '../cli.js';

describe('runSandboxCli', () => {
  afterEach(() => vi.restoreAllMocks());

  it('given --json, when started, then the first stdout line carries working connection details', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const handle = await runSandboxCli([
      '--port',
      '0',
      '--seed',
      '42',
      '--leads',
      '200',
      '--json',
      '--score-fields',
    ]);
    vi.restoreAllMocks();
    try {
      const details = JSON.parse((lines.join('').split('\n')[0] as string) || '{}') as Record<string, string>;
      expect(Object.keys(details).sort()).toEqual([
        'accessToken',
        'clientId',
        'clientSecret',
        'instanceUrl',
        'loginUrl',
        'refreshToken',
        'username',
      ]);
      const conn = new Connection({
        instanceUrl: details.instanceUrl,
        accessToken: details.accessToken,
        refreshToken: details.refreshToken,
        version: '62.0',
        oauth2: {
          loginUrl: details.loginUrl,
          clientId: details.clientId,
          clientSecret: details.clientSecret,
        },
      });
      const res = await conn.query('SELECT Id, LeadScore__c FROM Lead LIMIT 1');
      expect(res.records[0]).toHaveProperty('LeadScore__c', null);
    } finally {
      await handle.close();
    }
  });
});
