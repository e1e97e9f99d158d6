/**
 * One catalogue of coded errors. Every code has an actionable hint; test/errors.test.ts checks that each
 * code is documented in docs/errors.md.
 */
export const ERROR_CODES = {
  ERR_CONFIG_INVALID: 'Fix the named key in the config file; `leadscore validate` re-checks it.',
  ERR_CONFIG_NOT_FOUND:
    'Pass --config PATH, set LEADSCORE_CONFIG, or run `leadscore init` to write a starter config.',
  ERR_RULES_INVALID: 'Fix the named rule in the rules file; `leadscore validate` re-checks it.',
  ERR_SECRET_IN_CONFIG:
    'Remove the secret from the YAML; reference an environment variable as { env: NAME } or a stored secret as { secret: NAME } (`leadscore secret set NAME`).',
  ERR_SECRET_MISSING:
    'Set the named environment variable, or store the secret with `leadscore secret set NAME`.',
  ERR_SECRET_KEY: 'Set LEADSCORE_MASTER_KEY to the passphrase the secret store was created with.',
  ERR_STORE_SCHEMA_NEWER:
    'This database was written by a newer leadscore. Upgrade leadscore, or restore a backup made by this version.',
  ERR_STORE_CORRUPT:
    'Restore the database from a backup (`leadscore backup` makes one), or move it aside to start afresh.',
  ERR_STORE_WRITE:
    'Check that the database folder is writable and the disk has free space; nothing was half-written.',
  ERR_IMPORT_FILE: 'Check the file path and format (.jsonl, .ndjson or .csv).',
  ERR_RECORD_NOT_FOUND: 'Check the id or email; `leadscore top` lists stored records.',
  ERR_USAGE: 'Run the command with --help to see its arguments.',
  ERR_CRM_AUTH:
    'Check the token or re-authorise the app; `leadscore connect` tells which scopes are missing.',
  ERR_CRM_SCOPE: 'Grant the named scopes to the app, then run `leadscore connect` again.',
  ERR_CRM_RATE_LIMITED:
    'leadscore waits and retries on its own; if the daily budget is spent it resumes when the window resets.',
  ERR_MODEL_INPUT:
    'Fix the named column and row in the training data (or exclude the column); numeric columns need numbers, the target two classes.',
  ERR_MODEL_FORMAT:
    'The saved model is unreadable or from a newer leadscore; retrain it, or upgrade leadscore.',
  ERR_MODEL_TOO_FEW_LABELS:
    'Scoring stays rule-only. Train again once the CRM holds more conversions (with their dates), or lower --min-positives knowing the model will be noisier.',
  ERR_CRM_RESPONSE:
    'The CRM answered with something unexpected; the sync kept what was good. Retry, and report if it repeats.',
  ERR_CRM_UNAVAILABLE:
    'The CRM kept failing (5xx, timeouts or dropped connections) after several retries; the next run resumes from the saved cursor.',
  ERR_CRM_REQUEST:
    'The CRM rejected the request as invalid; check the named property or setting, and report it if it repeats.',
  ERR_CRM_FIELD_CONFLICT:
    'A CRM property with that name exists with another type; rename the leadscore field under writeBack.fields, or fix the property in the CRM.',
  ERR_CRM_FIELD_MISSING:
    'A field leadscore writes is missing from the CRM or hidden from the integration user; create it with the named type and grant field-level security (read and edit), or let leadscore create it by allowing the Tooling API (Customize Application).',
  ERR_DAEMON_LEASE_HELD:
    "Another leadscore daemon (or a manual `leadscore sync`) holds this CRM's lease; `leadscore status` names it. Stop it first, or start this daemon without --no-wait to stand by and take over when it stops.",
  ERR_DAEMON_LEASE_LOST:
    'The daemon stopped renewing its lease in time (a stalled process or clock jump) and another took over; check `leadscore status`. The run resumes from its cursor.',
  ERR_DAEMON_INTERRUPTED:
    'The run was stopped (SIGTERM/SIGINT or a lost lease) at a safe point; the next run resumes from the saved cursor and re-sends pending writes.',
  ERR_DAEMON_PORT:
    'Another process uses the health/metrics port; pass --port (or LEADSCORE_DAEMON_PORT) with a free one, or stop the other process.',
  ERR_BACKUP_FAILED:
    'Check that the backup folder exists, is writable and has space for a copy of the database; the database itself is untouched.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LeadscoreError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LeadscoreError';
    this.code = code;
    this.hint = options?.hint ?? ERROR_CODES[code];
  }
}

export function isLeadscoreError(error: unknown): error is LeadscoreError {
  return error instanceof LeadscoreError;
}
