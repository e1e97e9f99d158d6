import { SingleBar } from 'cli-progress';

/** Output for people on stdout; `--json` prints one JSON document instead. Logs go to stderr. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export type Align = 'left' | 'right';

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
export function renderTable(headers: string[], rows: Array<Array<string | number>>, align?: Align[]): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const alignment =
    align ?? headers.map((_, column) => (typeof rows[0]?.[column] === 'number' ? 'right' : 'left'));
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        alignment[column] === 'right' ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

export function formatDate(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return '-';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d{3}Z$/, 'Z');
}

export function signed(points: number, decimals = 0): string {
  const text = points.toFixed(decimals);
  return points > 0 ? `+${text}` : text;
}

export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** A progress bar on a terminal; nothing otherwise (structured logs report progress there). */
export function progressBar(label: string, total: number, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY || total <= 0) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total} {duration_formatted}`,
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(total, 0);
  return {
    update: (done) => bar.update(Math.min(done, total)),
    stop: () => bar.stop(),
  };
}
