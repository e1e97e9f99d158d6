import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Starts `leadscore sandbox <crm> --json`, hands its first stdout line, parsed, to `use`, then stops it. */
async function withSandbox(
  args: string[],
  use: (info: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', main, 'sandbox', ...args, '--port', '0', '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) {
      await use(JSON.parse(line) as Record<string, unknown>);
      return;
    }
    throw new Error('the sandbox printed nothing');
  } finally {
    child.kill('SIGTERM');
  }
}

describe('leadscore sandbox', () => {
  it('given hubspot --json, then the first line has a base URL and a token that the API accepts', async () => {
    await withSandbox(['hubspot', '--contacts', '20'], async (info) => {
      expect(String(info.baseUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.oauth).toBeTypeOf('object');
      const response = await fetch(`${info.baseUrl}/crm/v3/objects/contacts?limit=5`, {
        headers: { authorization: `Bearer ${info.token}` },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(5);
    });
  });

  it('given salesforce --json, then the first line has the login and instance URLs and the OAuth details', async () => {
    await withSandbox(['salesforce', '--leads', '20'], async (info) => {
      for (const key of [
        'loginUrl',
        'instanceUrl',
        'accessToken',
        'clientId',
        'clientSecret',
        'username',
        'refreshToken',
      ]) {
        expect(info[key], key).toBeTruthy();
      }
      const response = await fetch(`${info.instanceUrl}/services/data/v62.0/limits`, {
        headers: { authorization: `Bearer ${info.accessToken}` },
      });
      expect(response.status).toBe(200);
    });
  });
});
