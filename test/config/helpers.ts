import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigIssuesError } from '../../src/config/yaml-errors.js';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
export const fixtureRules = readFileSync(join(FIXTURES, 'rules.yaml'), 'utf8');

/** A fresh folder holding `files` (name -> text); returns its path. */
export function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs `fn`, which must throw a ConfigIssuesError, and returns it. */
export function issuesOf(fn: () => unknown): ConfigIssuesError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigIssuesError) return error;
    throw error;
  }
  throw new Error('expected a ConfigIssuesError, but nothing was thrown');
}
