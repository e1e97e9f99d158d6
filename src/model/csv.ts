import { parse } from 'csv-parse/sync';
import { LeadscoreError } from '../errors.js';

/** A parsed CSV: the header, the data rows as strings, and each data row's line number in the file. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** 1-based line number of each data row's first line, for error messages. */
  lines: number[];
  delimiter: ',' | ';' | '\t';
}

/** Picks `,`, `;` or tab by counting them outside quotes on the header line. */
export function detectDelimiter(text: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && (char === ',' || char === ';' || char === '\t')) counts[char]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t';
  return ',';
}

/**
 * Reads CSV text: delimiter detected, quoted fields, CRLF or LF, a BOM, and a trailing empty column (every
 * line ending in a delimiter) dropped. Rows shorter or longer than the header are an error naming the line.
 */
export function readCsv(text: string): CsvTable {
  const delimiter = detectDelimiter(text);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_quotes: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new LeadscoreError('ERR_MODEL_INPUT', `the CSV does not parse: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const first = records[0];
  if (first === undefined) throw new LeadscoreError('ERR_MODEL_INPUT', 'the CSV is empty: no header row');
  let header = first.record.map((name) => name.trim());
  let rows = records.slice(1).map((entry) => entry.record);
  const lines = records.slice(1).map((entry) => entry.info.lines);
  const last = header.length - 1;
  if (header[last] === '' && rows.every((row) => (row[last] ?? '') === '')) {
    header = header.slice(0, last);
    rows = rows.map((row) => row.slice(0, last));
  }
  rows.forEach((row, index) => {
    if (row.length !== header.length) {
      throw new LeadscoreError(
        'ERR_MODEL_INPUT',
        `row ${index + 1} (line ${lines[index]}) has ${row.length} fields, the header has ${header.length}`,
      );
    }
  });
  return { header, rows, lines, delimiter };
}
