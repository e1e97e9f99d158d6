import { describe, expect, it } from 'vitest';
import { runSandboxCli } from '../cli.js';

describe('runSandboxCli', () => {
  it('given --json, then the first stdout line is {baseUrl, token, oauth} and the sandbox answers', async () => {
    const out: string[] = [];
    const sb = await runSandboxCli(['--port', '0', '--seed', '5', '--contacts', '30', '--json'], {
      stdout: (l) => out.push(l),
      stderr: () => {},
    });
    try {
      const first = JSON.parse(out[0] ?? '') as {
        baseUrl: string;
        token: string;
        oauth: { clientId: string; clientSecret: string };
      };
      expect(first.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.token).toMatch(/^pat-na1-/);
      expect(first.oauth.clientId).toBeTruthy();
      const res = await fetch(`${first.baseUrl}/crm/v3/objects/contacts?limit=1`, {
        headers: { authorization: `Bearer ${first.token}` },
      });
      expect(res.status).toBe(200);
    } finally {
      await sb?.close();
    }
  });

  it('given a bad tier, then it throws a clear message', async () => {
    await expect(runSandboxCli(['--tier', 'gold'], { stdout: () => {}, stderr: () => {} })).rejects.toThrow(
      /--tier/,
    );
  });
});
