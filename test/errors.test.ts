import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, LeadscoreError } from '../src/errors.js';

describe('the error catalogue', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.keys(ERROR_CODES))('given code %s, then docs/errors.md documents it', (code) => {
    expect(doc).toContain(`\`${code}\``);
  });

  it('given a code, when an error is made, then it carries the code, the hint and the cause', () => {
    const cause = new Error('disk full');
    const error = new LeadscoreError('ERR_STORE_WRITE', 'cannot write /tmp/x.db', { cause });
    expect(error.code).toBe('ERR_STORE_WRITE');
    expect(error.hint).toBe(ERROR_CODES.ERR_STORE_WRITE);
    expect(error.cause).toBe(cause);
  });
});
