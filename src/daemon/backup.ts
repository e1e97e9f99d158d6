import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LeadscoreError } from '../errors.js';

export interface BackupResult {
  path: string;
  bytes: number;
  pages: number;
  schemaVersion: number;
  records: number;
  runs: number;
}

/**
 * Copies the database with SQLite's online backup API (https://www.sqlite.org/backup.html, through
 * better-sqlite3's `db.backup()`): safe while a daemon writes, and the copy is one consistent snapshot. It is
 * written beside the destination first and renamed into place once it passes an integrity check, so a failed
 * backup never leaves a half-written file under the destination's name.
 */
export async function backupDatabase(
  source: string,
  destination: string,
  options: { overwrite?: boolean } = {},
): Promise<BackupResult> {
  if (existsSync(destination) && options.overwrite !== true) {
    throw new LeadscoreError('ERR_USAGE', `${destination} already exists.`, {
      hint: 'Name a new file, or pass --force to replace it.',
    });
  }
  const partial = `${destination}.partial`;
  rmSync(partial, { force: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
    const { totalPages } = await db.backup(partial);
    const result = verifyBackup(partial);
    renameSync(partial, destination);
    return { ...result, path: destination, pages: totalPages, bytes: statSync(destination).size };
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof LeadscoreError) throw error;
    throw new LeadscoreError(
      'ERR_BACKUP_FAILED',
      `could not back up ${source} to ${destination}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    db?.close();
  }
}

/** Opens a backup and checks it is a sound leadscore database; returns what it holds. */
export function verifyBackup(path: string): Omit<BackupResult, 'path' | 'bytes' | 'pages'> {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') {
      throw new LeadscoreError(
        'ERR_BACKUP_FAILED',
        `the backup at ${path} failed its integrity check: ${String(check)}`,
      );
    }
    const count = (table: string) =>
      (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      schemaVersion: copy.pragma('user_version', { simple: true }) as number,
      records: count('records'),
      runs: count('runs'),
    };
  } finally {
    copy.close();
  }
}
