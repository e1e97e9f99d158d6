import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { starterConfigText } from '../../src/config/starter.js';
import { runCliAsync as runCli } from './helpers.js';

/** The CRM commands end to end: a real CLI process, the real SDK, the HubSpot sandbox. */
describe('leadscore sync, connect and outbox against the HubSpot sandbox', () => {
  let sandbox: HubSpotSandbox;
  let config: string;
  const env = () => ({ HUBSPOT_TOKEN: sandbox.token });
  const control = async (path: string, init?: { method: string; body?: unknown }) => {
    const response = await fetch(`${sandbox.baseUrl}/__sandbox${path}`, {
      method: init?.method ?? 'GET',
      headers: { 'content-type': 'application/json' },
      ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  };
  const batchUpdates = async () => {
    const log = (await control('/requests')) as { countsByEndpoint: Record<string, number> };
    return Object.entries(log.countsByEndpoint)
      .filter(([endpoint]) => endpoint.includes('batch/update'))
      .reduce((sum, [, count]) => sum + count, 0);
  };

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ port: 0, seed: 7, contacts: 250, tier: 'professional' });
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-sync-'));
    config = join(dir, 'leadscore.yaml');
    const rules = new URL('../../config/rules.default.yaml', import.meta.url).pathname;
    writeFileSync(
      config,
      starterConfigText({ crm: 'hubspot', rulesPath: rules, databasePath: './leadscore.db' }).replace(
        'tier: professional',
        `tier: professional\n    basePath: "${sandbox.baseUrl}"`,
      ),
    );
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('given a token with every scope, when connecting, then nothing is missing and the properties are listed', async () => {
    const result = await runCli(['--config', config, '--json', 'connect', 'hubspot'], { env: env() });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.missing).toEqual([]);
    expect(report.fields.map((field: { name: string }) => field.name)).toContain('leadscore_score');
  });

  it('given no token in the environment, when syncing, then the error names the variable', async () => {
    const result = await runCli(['--config', config, 'sync'], { env: { HUBSPOT_TOKEN: '' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('HUBSPOT_TOKEN');
  });

  it('given a new portal, when syncing with --dry-run, then it lists the changes and writes nothing', async () => {
    await control('/requests', { method: 'DELETE' });
    const result = await runCli(['--config', config, 'sync', '--dry-run'], { env: env() });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\d+ properties on \d+ contacts would change/);
    expect(result.stdout).toContain('leadscore_score');
    expect(await batchUpdates()).toBe(0);
  });

  it('given the dry run, when syncing for real and then again, then the second run writes nothing', async () => {
    await control('/requests', { method: 'DELETE' });
    const first = await runCli(['--config', config, '--json', 'sync'], { env: env() });
    expect(first.status, first.stderr).toBe(0);
    const stats = JSON.parse(first.stdout);
    expect(stats.writeBack.written).toBe(250);
    expect(stats.rateLimited).toBe(0);
    expect(await batchUpdates()).toBe(3); // 250 contacts, 100 per batch
    const top = JSON.parse((await runCli(['--config', config, '--json', 'top', '-n', '1'])).stdout);
    const contact = (await control(`/contacts/${top[0].record.externalId}`)) as {
      properties?: Record<string, string>;
    };
    const written = contact.properties ?? (contact as Record<string, string>);
    expect(Number(written.leadscore_score)).toBe(top[0].score.score);
    expect(written.leadscore_reasons).toBe(top[0].score.reasonsText);

    await control('/requests', { method: 'DELETE' });
    const second = JSON.parse((await runCli(['--config', config, '--json', 'sync'], { env: env() })).stdout);
    expect(second.writeBack.written).toBe(0);
    expect(await batchUpdates()).toBe(0);
  });

  it('given a contact HubSpot keeps rejecting, when syncing, then its write is parked with the reason', async () => {
    const top = JSON.parse((await runCli(['--config', config, '--json', 'top', '-n', '1'])).stdout);
    const id = top[0].record.externalId as string;
    await control('/batch-failures', {
      method: 'POST',
      body: { ids: [id], category: 'VALIDATION_ERROR', message: 'Property values were not valid' },
    });
    // New activity changes the score, so there is something to write.
    await control('/events', { method: 'POST', body: { contactId: id, type: 'demo_request' } });
    await control('/events', { method: 'POST', body: { contactId: id, type: 'meeting_held' } });
    const result = await runCli(['--config', config, '--json', 'sync'], { env: env() });
    expect(result.status, result.stderr).toBe(0);
    const outbox = JSON.parse(
      (await runCli(['--config', config, '--json', 'outbox', '--status', 'parked'])).stdout,
    );
    const parked = outbox.rows.find((row: { externalId: string }) => row.externalId === id);
    expect(parked?.lastError).toMatch(/not valid/);
    await control('/batch-failures', { method: 'DELETE' });
  });
});
