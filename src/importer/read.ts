import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import type { EngagementEvent, LeadRecord } from '../crm/vocabulary.js';
import { isLeadscoreError, LeadscoreError } from '../errors.js';
import { rowProblem } from './problems.js';
import { parseEventRow, parseRecordRow } from './rows.js';
import { readCsvRows, readJsonlRows, type SourceRow } from './sources.js';
import type {
  ImportBatch,
  ImportFormat,
  ImportOptions,
  ImportProblem,
  RowContext,
  RowResult,
} from './types.js';

export const DEFAULT_BATCH_SIZE = 5000;
/**
 * Event ids remembered for the in-file duplicate check: between this many and twice as many of the latest.
 * Event files run to millions of rows and the store deduplicates events by (source, sourceId) anyway (the
 * first stored wins, as here), so a far-apart repeat is counted as "already stored" instead of warned about.
 */
export const EVENT_ID_WINDOW = 100_000;
export const DEFAULT_SOURCE = 'file';

const EXTENSIONS: Readonly<Record<string, ImportFormat>> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
};

const optionsSchema = z.object({
  kind: z.enum(['records', 'events']),
  source: z.string().min(1).default(DEFAULT_SOURCE),
  now: z.number().finite(),
  batchSize: z.number().int().positive().default(DEFAULT_BATCH_SIZE),
  format: z.enum(['jsonl', 'csv']).optional(),
});

export function formatOf(path: string): ImportFormat {
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new LeadscoreError(
      'ERR_IMPORT_FILE',
      `cannot tell the format of "${path}" from its extension; supported: .jsonl, .ndjson (JSON Lines), .csv`,
      {
        hint: 'Rename the file to .jsonl, .ndjson or .csv, or name the format explicitly (--format jsonl|csv).',
      },
    );
  }
  return format;
}

/** Missing, unreadable or not a regular file: one clear error before any row is read. */
async function assertReadable(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('not a regular file');
  } catch (error) {
    const reason = (error as Error).message;
    throw new LeadscoreError('ERR_IMPORT_FILE', `cannot read import file "${path}": ${reason}`, {
      cause: error,
    });
  } finally {
    await handle?.close();
  }
}

/**
 * Streams an import file as batches of at most `batchSize` records or events, each with the problems of the
 * rows it covers. Bad rows become problems and never stop the import; a file that cannot be read, has an
 * unknown extension, or (CSV) a missing or unusable header throws ERR_IMPORT_FILE. Nothing is read until
 * the first batch is requested. Within the file a repeated id keeps the first row (needs one map entry per record
 * id; event ids are remembered only within EVENT_ID_WINDOW, farther repeats are left to the store's dedup).
 */
export async function* readImportFile(path: string, options: ImportOptions): AsyncGenerator<ImportBatch> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LeadscoreError(
      'ERR_USAGE',
      `invalid import option ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  const { kind, source, now, batchSize } = parsed.data;
  const format = parsed.data.format ?? formatOf(path);
  await assertReadable(path);

  const rows = format === 'csv' ? readCsvRows(path, kind) : readJsonlRows(path);
  try {
    if (kind === 'records') {
      yield* batches(
        rows,
        path,
        { source, now, batchSize },
        parseRecordRow,
        (r) => r.externalId,
        Number.POSITIVE_INFINITY,
        (items, problems) => ({
          kind,
          records: items,
          events: [],
          problems,
        }),
      );
    } else {
      yield* batches(
        rows,
        path,
        { source, now, batchSize },
        parseEventRow,
        (e) => e.sourceId,
        EVENT_ID_WINDOW,
        (items, problems) => ({
          kind,
          records: [],
          events: items,
          problems,
        }),
      );
    }
  } catch (error) {
    if (isLeadscoreError(error)) throw error;
    throw new LeadscoreError(
      'ERR_IMPORT_FILE',
      `could not finish reading "${path}": ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

async function* batches<T extends LeadRecord | EngagementEvent>(
  rows: AsyncGenerator<SourceRow>,
  file: string,
  settings: { source: string; now: number; batchSize: number },
  parseRow: (raw: Record<string, unknown>, ctx: RowContext) => RowResult<T>,
  idOf: (item: T) => string,
  idWindow: number,
  toBatch: (items: T[], problems: ImportProblem[]) => ImportBatch,
): AsyncGenerator<ImportBatch> {
  const firstLineOf = new FirstLines(idWindow);
  let items: T[] = [];
  let problems: ImportProblem[] = [];
  for await (const row of rows) {
    if ('problem' in row) problems.push(row.problem);
    else {
      const result = parseRow(row.fields, {
        file,
        line: row.line,
        source: settings.source,
        now: settings.now,
      });
      problems.push(...result.problems);
      if (result.ok) {
        const id = idOf(result.value);
        const first = firstLineOf.get(id);
        if (first === undefined) {
          firstLineOf.set(id, row.line);
          items.push(result.value);
        } else {
          const message = `duplicate id ${JSON.stringify(id)} (first on line ${first}); row skipped`;
          problems.push(rowProblem(file, row.line, 'warning', 'duplicate id', message));
        }
      }
    }
    // Problems count too, so a file of nothing but bad rows still streams in bounded memory.
    if (items.length >= settings.batchSize || problems.length >= settings.batchSize) {
      yield toBatch(items, problems);
      items = [];
      problems = [];
    }
  }
  if (items.length > 0 || problems.length > 0) yield toBatch(items, problems);
}

/** id -> first line, remembering at least the latest `window` ids (two generations, the older one dropped). */
class FirstLines {
  readonly #window: number;
  #current = new Map<string, number>();
  #previous = new Map<string, number>();

  constructor(window: number) {
    this.#window = window;
  }

  get(id: string): number | undefined {
    return this.#current.get(id) ?? this.#previous.get(id);
  }

  set(id: string, line: number): void {
    if (this.#current.size >= this.#window) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(id, line);
  }
}
