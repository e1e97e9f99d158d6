import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/console/auth.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../cli/helpers.js';

describe('console set-up from the command line', () => {
  it('given LEADSCORE_ADMIN_PASSWORD, then init stores its scrypt hash, not the password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-console-init-'));
    const password = 'a long enough password';
    const result = runCli(['init', '--dir', dir], { env: { LEADSCORE_ADMIN_PASSWORD: password } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Set the console admin password');
    const store = openStore(join(dir, 'leadscore.db'));
    try {
      const hash = store.console.adminPasswordHash()!;
      expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(hash).not.toContain(password);
      expect(verifyPassword(password, hash)).toBe(true);
      expect(verifyPassword('another password', hash)).toBe(false);
    } finally {
      store.close();
    }
  });

  it('given no admin password, then serve refuses to start and says how to set one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-console-serve-'));
    expect(runCli(['init', '--dir', dir]).status).toBe(0);
    const result = runCli(['-c', join(dir, 'leadscore.yaml'), 'serve', '--port', '0']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('The console has no admin password yet');
    expect(result.stderr).toContain('leadscore serve --set-password');
  });
});
