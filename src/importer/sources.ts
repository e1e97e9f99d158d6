import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { type CsvError, type Options, parse } from 'csv-parse';
import { LeadscoreError } from '../errors.js';
import { rowProblem } from './problems.js';
import { headerProblems } from './rows.js';
import type { ImportKind, ImportProblem } from './types.js';
import { jsonObjectSchema } from './values.js';

/**
 * The two file readers. Both stream: they hold one row (and, for CSV, the header) at a time and turn
 * unreadable rows into problems; only file-level trouble throws.
 */

export type SourceRow =
  | { line: number; fields: Record<string, unknown> }
  | { line: number; problem: ImportProblem };

/** UTF-8 with or without a byte-order mark. */
const BOM = '\uFEFF';

export async function* readJsonlRows(file: string): AsyncGenerator<SourceRow> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      const body = line === 1 && text.startsWith(BOM) ? text.slice(1) : text;
      if (body.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch (error) {
        const reason = (error as Error).message;
        yield {
          line,
          problem: rowProblem(
            file,
            line,
            'error',
            'malformed JSON',
            `malformed JSON (${reason}); row skipped`,
          ),
        };
        continue;
      }
      const object = jsonObjectSchema.safeParse(value);
      if (!object.success) {
        const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
        const message = `expected a JSON object, got ${got}; row skipped`;
        yield { line, problem: rowProblem(file, line, 'error', 'not a JSON object', message) };
        continue;
      }
      yield { line, fields: object.data };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** `;` when the header (the first non-empty line) has more semicolons than commas outside quotes, else `,`. */
export async function sniffDelimiter(file: string): Promise<',' | ';'> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let text = buffer.toString('utf8', 0, bytesRead);
    if (text.startsWith(BOM)) text = text.slice(1);
    let inQuotes = false;
    let commas = 0;
    let semicolons = 0;
    let content = false;
    for (const char of text) {
      if (char === '"') inQuotes = !inQuotes;
      else if (inQuotes) continue;
      else if (char === '\n' || char === '\r') {
        // Empty lines before the header are skipped, as the parser skips them.
        if (content) break;
        continue;
      } else if (char === ',') commas += 1;
      else if (char === ';') semicolons += 1;
      if (char.trim() !== '') content = true;
    }
    return semicolons > commas ? ';' : ',';
  } finally {
    await handle.close();
  }
}

interface CsvRow {
  cells: string[];
  line: number;
  /** Rows csv-parse gave up on just before this one. */
  skipped: ImportProblem[];
}

function lineBreaks(cells: readonly string[]): number {
  let count = 0;
  for (const cell of cells) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}

/**
 * csv-parse's own line count double-counts CRLF inside quoted fields, so the start line of each row is
 * tracked here: one past the previous row's end, plus the empty lines skipped since, plus the line breaks
 * kept inside the row's quoted cells give its end. on_record and on_skip run in file order.
 */
export async function* readCsvRows(file: string, kind: ImportKind): AsyncGenerator<SourceRow> {
  const delimiter = await sniffDelimiter(file);
  let previousEnd = 0;
  let previousEmpty = 0;
  let pending: ImportProblem[] = [];
  const options: Options<CsvRow, string[]> = {
    delimiter,
    bom: true,
    // No `trim`: with it a stray quote (`"x"y`) becomes an error that csv-parse cannot recover from, and
    // the rest of the file is lost. relax_quotes keeps such a cell as written; cells are trimmed below.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      const line = previousEnd + 1;
      const reason = error?.message ?? 'unreadable row';
      const message = `malformed CSV (${reason}); row skipped`;
      pending.push(rowProblem(file, line, 'error', 'malformed CSV', message));
      return undefined;
    },
    on_record: (cells: string[], context): CsvRow => {
      const line = previousEnd + 1 + (context.empty_lines - previousEmpty);
      previousEnd = line + lineBreaks(cells);
      previousEmpty = context.empty_lines;
      const skipped = pending;
      pending = [];
      return { cells, line, skipped };
    },
  };
  // The typings only let on_record change the row type on the column-object overloads.
  const parser = parse(options as unknown as Options);
  const input = createReadStream(file);
  pipeline(input, parser, () => {});

  let header: string[] | undefined;
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      for (const problem of row.skipped) yield { line: problem.line, problem };
      const cells = row.cells.map((cell) => cell.trim());
      if (cells.every((cell) => cell === '')) continue;
      if (header === undefined) {
        header = cells;
        const problems = headerProblems(kind, header);
        if (problems.length > 0) {
          throw new LeadscoreError('ERR_IMPORT_FILE', `${file}: ${problems.join('; ')}`, {
            hint: `The first line of a CSV import names its columns; see docs/import-format.md for the ${kind} columns.`,
          });
        }
        continue;
      }
      if (cells.length !== header.length) {
        const message = `expected ${header.length} columns as in the header, found ${cells.length}; row skipped`;
        yield {
          line: row.line,
          problem: rowProblem(file, row.line, 'error', 'wrong number of columns', message),
        };
        continue;
      }
      const entries: [string, string][] = [];
      cells.forEach((cell, index) => {
        if (cell !== '') entries.push([header![index]!, cell]);
      });
      yield { line: row.line, fields: Object.fromEntries(entries) };
    }
    for (const problem of pending) yield { line: problem.line, problem };
    if (header === undefined) {
      throw new LeadscoreError('ERR_IMPORT_FILE', `${file}: the CSV file is empty; expected a header row`, {
        hint: `The first line of a CSV import names its columns; see docs/import-format.md for the ${kind} columns.`,
      });
    }
  } finally {
    parser.destroy();
    input.destroy();
  }
}
