import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, readMasterKey, resolveSecret } from '../../src/config/secrets.js';
import { LeadscoreError } from '../../src/errors.js';

function thrown(fn: () => unknown): LeadscoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LeadscoreError) return error;
    throw error;
  }
  throw new Error('expected a LeadscoreError');
}

describe('encryptSecret / decryptSecret', () => {
  it('given a secret encrypted with a key, when decrypted with the same key, then the plaintext comes back', () => {
    const blob = encryptSecret('pat-na1-é-token', 'correct horse');

    expect(decryptSecret(blob, 'correct horse')).toBe('pat-na1-é-token');
    expect(blob.includes(Buffer.from('pat-na1'))).toBe(false);
  });

  it('given the same secret encrypted twice, when compared, then salt and IV make the blobs differ', () => {
    expect(encryptSecret('same', 'key').equals(encryptSecret('same', 'key'))).toBe(false);
  });

  it('given a wrong master key, when decrypting, then ERR_SECRET_KEY is thrown, not a crypto error', () => {
    const blob = encryptSecret('value', 'right key');

    const error = thrown(() => decryptSecret(blob, 'wrong key'));

    expect(error.code).toBe('ERR_SECRET_KEY');
    expect(error.message).not.toContain('value');
  });

  it('given a tampered blob, when decrypting, then ERR_SECRET_KEY is thrown', () => {
    const blob = encryptSecret('value', 'key');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 0xff;

    expect(thrown(() => decryptSecret(blob, 'key')).code).toBe('ERR_SECRET_KEY');
  });

  it('given bytes that are not a secret blob, when decrypting, then ERR_SECRET_KEY says so', () => {
    expect(thrown(() => decryptSecret(Buffer.from('plain'), 'key')).message).toContain('not in a format');
  });
});

describe('resolveSecret', () => {
  const noStore = () => undefined;

  it('given an env reference that is set, when resolved, then the variable value is returned', () => {
    expect(
      resolveSecret({ env: 'HUBSPOT_TOKEN' }, { env: { HUBSPOT_TOKEN: 'tok' }, getStored: noStore }),
    ).toBe('tok');
  });

  it('given an env reference that is not set, when resolved, then ERR_SECRET_MISSING names the variable', () => {
    const error = thrown(() =>
      resolveSecret(
        { env: 'HUBSPOT_TOKEN' },
        { env: {}, getStored: noStore, usedFor: 'connection.hubspot.token' },
      ),
    );

    expect(error.code).toBe('ERR_SECRET_MISSING');
    expect(error.message).toBe(
      'environment variable HUBSPOT_TOKEN is not set (needed for connection.hubspot.token)',
    );
  });

  it('given a stored secret and its master key, when resolved, then it is decrypted', () => {
    const stored = new Map([['hubspot-token', encryptSecret('tok-from-store', 'mk')]]);

    const value = resolveSecret(
      { secret: 'hubspot-token' },
      { env: {}, getStored: (name) => stored.get(name), masterKey: 'mk' },
    );

    expect(value).toBe('tok-from-store');
  });

  it('given a stored secret name that is not in the store, when resolved, then ERR_SECRET_MISSING names it', () => {
    const error = thrown(() =>
      resolveSecret({ secret: 'sf-refresh' }, { env: {}, getStored: noStore, masterKey: 'mk' }),
    );

    expect(error.code).toBe('ERR_SECRET_MISSING');
    expect(error.message).toContain('"sf-refresh"');
  });

  it('given a stored secret but no master key, when resolved, then ERR_SECRET_KEY is thrown', () => {
    const blob = encryptSecret('x', 'mk');

    const error = thrown(() => resolveSecret({ secret: 'a' }, { env: {}, getStored: () => blob }));

    expect(error.code).toBe('ERR_SECRET_KEY');
  });

  it('given a stored secret and the wrong master key, when resolved, then ERR_SECRET_KEY is thrown', () => {
    const blob = encryptSecret('x', 'mk');

    expect(
      thrown(() => resolveSecret({ secret: 'a' }, { env: {}, getStored: () => blob, masterKey: 'no' })).code,
    ).toBe('ERR_SECRET_KEY');
  });
});

describe('readMasterKey', () => {
  it('given LEADSCORE_MASTER_KEY, when read, then it is used', () => {
    expect(readMasterKey({ LEADSCORE_MASTER_KEY: 'k1' })).toBe('k1');
  });

  it('given LEADSCORE_MASTER_KEY_FILE, when read, then the file content without its trailing newline is used', () => {
    const files: Record<string, string> = { '/run/secrets/mk': 'k2\n' };

    expect(readMasterKey({ LEADSCORE_MASTER_KEY_FILE: '/run/secrets/mk' }, (path) => files[path] ?? '')).toBe(
      'k2',
    );
  });

  it('given neither variable, when read, then there is no key', () => {
    expect(readMasterKey({})).toBeUndefined();
  });

  it('given a key file that cannot be read, when read, then ERR_SECRET_KEY names the file', () => {
    const error = thrown(() => readMasterKey({ LEADSCORE_MASTER_KEY_FILE: '/nonexistent/leadscore-mk' }));

    expect(error.code).toBe('ERR_SECRET_KEY');
    expect(error.message).toContain('/nonexistent/leadscore-mk');
  });

  it('given both variables, when read, then the ambiguity is refused', () => {
    const error = thrown(() => readMasterKey({ LEADSCORE_MASTER_KEY: 'a', LEADSCORE_MASTER_KEY_FILE: '/f' }));

    expect(error.code).toBe('ERR_SECRET_KEY');
  });
});
