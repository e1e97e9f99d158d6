import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngagementEvent, LeadRecord } from '../../src/crm/vocabulary.js';
import {
  type ImportBatch,
  type ImportOptions,
  type ImportProblem,
  readImportFile,
} from '../../src/importer/index.js';

/** Frozen "now" for every importer test. */
export const NOW = Date.parse('2024-06-01T12:00:00Z');

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export interface Collected {
  batches: ImportBatch[];
  records: LeadRecord[];
  events: EngagementEvent[];
  problems: ImportProblem[];
}

export async function collect(path: string, options: Partial<ImportOptions> & Pick<ImportOptions, 'kind'>) {
  const batches: ImportBatch[] = [];
  for await (const batch of readImportFile(path, { now: NOW, ...options })) batches.push(batch);
  return {
    batches,
    records: batches.flatMap((b) => b.records),
    events: batches.flatMap((b) => b.events),
    problems: batches.flatMap((b) => b.problems),
  } satisfies Collected;
}

/** `[line, severity]` pairs, the shape most assertions care about. */
export const where = (problems: ImportProblem[]) => problems.map((p) => [p.line, p.severity]);

/** A scratch folder per test file; content is written exactly as given (no trailing newline added). */
export async function scratch() {
  const dir = await mkdtemp(join(tmpdir(), 'leadscore-import-'));
  let n = 0;
  return {
    dir,
    async write(name: string, content: string | Buffer): Promise<string> {
      n += 1;
      const path = join(dir, `${n}-${name}`);
      await writeFile(path, content);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
