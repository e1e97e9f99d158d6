import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import { LeadscoreError } from '../errors.js';
import type { SecretRef } from './schema.js';
import {
  type ConfigIssue,
  formatPath,
  isSecretKey,
  lineAt,
  type PathSegment,
  type YamlSource,
} from './yaml-errors.js';

/**
 * Secrets live in environment variables or in the store's secrets table, encrypted with a key derived from the
 * master key (LEADSCORE_MASTER_KEY, or the file named by LEADSCORE_MASTER_KEY_FILE). The YAML only names them.
 *
 * Blob layout: "LSS" | version 1 | log2(scrypt N) | salt (16) | iv (12) | GCM tag (16) | ciphertext.
 * The first five bytes are authenticated as associated data, so a tampered header fails like a wrong key.
 */
const MAGIC = Buffer.from('LSS', 'ascii');
const VERSION = 1;
const LOG2_N = 15;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 2;
const KEY_HINT =
  'Set LEADSCORE_MASTER_KEY (or LEADSCORE_MASTER_KEY_FILE) to the passphrase the secret store was created with.';

function deriveKey(masterKey: string, salt: Buffer, log2N: number): Buffer {
  // https://nodejs.org/api/crypto.html#cryptoscryptsyncpassword-salt-keylen-options: 128 * N * r bytes of memory.
  const N = 2 ** log2N;
  return scryptSync(masterKey, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
}

export function encryptSecret(plaintext: string, masterKey: string): Buffer {
  if (masterKey === '') throw new LeadscoreError('ERR_SECRET_KEY', 'the master key is empty');
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION, LOG2_N])]);
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(masterKey, salt, LOG2_N), iv);
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([header, salt, iv, cipher.getAuthTag(), ciphertext]);
}

export function decryptSecret(blob: Buffer, masterKey: string): string {
  const minimum = HEADER_BYTES + SALT_BYTES + IV_BYTES + TAG_BYTES;
  if (
    blob.length < minimum ||
    !blob.subarray(0, MAGIC.length).equals(MAGIC) ||
    blob[MAGIC.length] !== VERSION
  ) {
    throw new LeadscoreError(
      'ERR_SECRET_KEY',
      'the stored secret is not in a format this leadscore can read',
      {
        hint: 'Store the secret again with `leadscore secret set NAME`.',
      },
    );
  }
  const log2N = blob[MAGIC.length + 1] ?? LOG2_N;
  const header = blob.subarray(0, HEADER_BYTES);
  const saltEnd = HEADER_BYTES + SALT_BYTES;
  const ivEnd = saltEnd + IV_BYTES;
  const tagEnd = ivEnd + TAG_BYTES;
  const salt = blob.subarray(HEADER_BYTES, saltEnd);
  const iv = blob.subarray(saltEnd, ivEnd);
  const tag = blob.subarray(ivEnd, tagEnd);
  const ciphertext = blob.subarray(tagEnd);
  try {
    if (log2N < 10 || log2N > 20) throw new Error(`scrypt cost 2^${log2N} out of range`);
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(masterKey, salt, log2N), iv);
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new LeadscoreError(
      'ERR_SECRET_KEY',
      'could not decrypt the stored secret: the master key is wrong or the secret is damaged',
      { cause: error, hint: KEY_HINT },
    );
  }
}

export interface SecretDeps {
  env: NodeJS.ProcessEnv;
  /** The store's getSecret. */
  getStored: (name: string) => Buffer | undefined;
  /** From readMasterKey; needed only for `{ secret: NAME }`. */
  masterKey?: string | undefined;
  /** What the secret is for, e.g. `connection.hubspot.token`, to name in errors. */
  usedFor?: string;
}

export function resolveSecret(ref: SecretRef, deps: SecretDeps): string {
  const forWhat = deps.usedFor === undefined ? '' : ` (needed for ${deps.usedFor})`;
  if ('env' in ref) {
    const value = deps.env[ref.env];
    if (value === undefined || value === '') {
      throw new LeadscoreError('ERR_SECRET_MISSING', `environment variable ${ref.env} is not set${forWhat}`, {
        hint: `Set ${ref.env} in the environment leadscore runs in, or store the secret with \`leadscore secret set NAME\` and refer to it as { secret: NAME }.`,
      });
    }
    return value;
  }
  const blob = deps.getStored(ref.secret);
  if (blob === undefined) {
    throw new LeadscoreError(
      'ERR_SECRET_MISSING',
      `secret "${ref.secret}" is not in the secret store${forWhat}`,
      {
        hint: `Store it with \`leadscore secret set ${ref.secret}\`.`,
      },
    );
  }
  if (deps.masterKey === undefined || deps.masterKey === '') {
    throw new LeadscoreError(
      'ERR_SECRET_KEY',
      `secret "${ref.secret}" is encrypted and no master key is set${forWhat}`,
      { hint: KEY_HINT },
    );
  }
  return decryptSecret(blob, deps.masterKey);
}

/**
 * The master key from LEADSCORE_MASTER_KEY, or from the file LEADSCORE_MASTER_KEY_FILE names (a mounted
 * container secret; one trailing newline is dropped). Undefined when neither is set.
 */
export function readMasterKey(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): string | undefined {
  const direct = env.LEADSCORE_MASTER_KEY;
  const file = env.LEADSCORE_MASTER_KEY_FILE;
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '') {
    throw new LeadscoreError(
      'ERR_SECRET_KEY',
      'both LEADSCORE_MASTER_KEY and LEADSCORE_MASTER_KEY_FILE are set',
      {
        hint: 'Set only one of them.',
      },
    );
  }
  if (direct !== undefined && direct !== '') return direct;
  if (file === undefined || file === '') return undefined;
  let key: string;
  try {
    key = readFile(file).replace(/\r?\n$/, '');
  } catch (error) {
    throw new LeadscoreError('ERR_SECRET_KEY', `cannot read LEADSCORE_MASTER_KEY_FILE ${file}`, {
      cause: error,
      hint: 'Check that the file exists and is readable by the user leadscore runs as.',
    });
  }
  if (key === '') throw new LeadscoreError('ERR_SECRET_KEY', `LEADSCORE_MASTER_KEY_FILE ${file} is empty`);
  return key;
}

/**
 * Every place the YAML holds a value under a secret-like key (token, password, clientSecret...). The value is
 * never part of the issue. `{ secret: NAME }` is a reference, not a secret.
 */
export function findClearSecrets(source: YamlSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const visit = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      // A reference's keys are env and secret only; its `secret` holds a name.
      const isRef = node.items.every(
        (pair) => isPair(pair) && isScalar(pair.key) && ['env', 'secret'].includes(String(pair.key.value)),
      );
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const childPath = [...path, key];
        const value = pair.value;
        const holdsValue = isScalar(value) && value.value !== null && value.value !== '';
        if (holdsValue && isSecretKey(key) && !(key === 'secret' && isRef)) {
          issues.push({
            path: formatPath(childPath),
            message:
              'a secret must not be written in the config file; use { env: NAME } (an environment variable) or { secret: NAME } (`leadscore secret set NAME`)',
            file: source.file,
            line: lineAt(source, childPath),
          });
        }
        visit(value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        visit(item, [...path, index]);
      });
    }
  };
  visit(source.doc.contents, []);
  return issues;
}
