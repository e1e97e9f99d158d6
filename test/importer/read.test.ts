import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLeadscoreError } from '../../src/errors.js';
import { type ImportBatch, readImportFile } from '../../src/importer/index.js';
import { collect, fixture, NOW, scratch } from './helpers.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

async function importError(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    if (isLeadscoreError(error)) return error;
    throw error;
  }
  throw new Error('expected a LeadscoreError');
}

describe('file-level problems', () => {
  it('given a missing file when imported then ERR_IMPORT_FILE names the path', async () => {
    const path = join(tmp.dir, 'nope.jsonl');
    const error = await importError(() => collect(path, { kind: 'records' }));
    expect(error.code).toBe('ERR_IMPORT_FILE');
    expect(error.message).toContain(path);
    expect(error.message).toContain('ENOENT');
  });

  it('given a directory when imported then ERR_IMPORT_FILE says it is not a file', async () => {
    const dir = join(tmp.dir, 'folder.csv');
    await mkdir(dir);
    const error = await importError(() => collect(dir, { kind: 'records' }));
    expect(error.code).toBe('ERR_IMPORT_FILE');
    expect(error.message).toContain('not a regular file');
  });

  it('given an unknown extension when imported then ERR_IMPORT_FILE names the file and the supported formats', async () => {
    const path = await tmp.write('leads.xlsx', 'id\nr1\n');
    const error = await importError(() => collect(path, { kind: 'records' }));
    expect(error.code).toBe('ERR_IMPORT_FILE');
    expect(error.message).toContain(path);
    expect(error.message).toContain('.jsonl, .ndjson (JSON Lines), .csv');
  });

  it('given an unknown extension and an explicit format when imported then the format is used', async () => {
    const path = await tmp.write('leads.txt', 'id;email\nr1;a@x.io\n');
    const { records } = await collect(path, { kind: 'records', format: 'csv' });
    expect(records.map((r) => r.email)).toEqual(['a@x.io']);
  });

  it('given an upper-case extension when imported then it is recognised', async () => {
    const path = await tmp.write('LEADS.NDJSON', '{"id":"r1"}\n');
    expect((await collect(path, { kind: 'records' })).records).toHaveLength(1);
  });

  it('given an empty CSV file when imported then ERR_IMPORT_FILE asks for a header row', async () => {
    const path = await tmp.write('blank.csv', '\n\n');
    const error = await importError(() => collect(path, { kind: 'records' }));
    expect(error.code).toBe('ERR_IMPORT_FILE');
    expect(error.message).toContain('expected a header row');
  });

  it('given a CSV header without the required event columns when imported then ERR_IMPORT_FILE names them', async () => {
    const path = await tmp.write('events.csv', 'id,record,when\ne1,r1,2024-01-01\n');
    const error = await importError(() => collect(path, { kind: 'events' }));
    expect(error.code).toBe('ERR_IMPORT_FILE');
    expect(error.message).toContain(
      'no "recordId" or "recordExternalId" or "record_id", no "type", no "occurredAt"',
    );
    expect(error.hint).toContain('docs/import-format.md');
  });

  it('given invalid options when imported then ERR_USAGE names the option', async () => {
    const path = fixture('records.jsonl');
    const error = await importError(() => collect(path, { kind: 'records', batchSize: 0 }));
    expect(error.code).toBe('ERR_USAGE');
    expect(error.message).toContain('batchSize');
  });

  it('given the generator is created but not iterated then nothing is read and nothing throws', () => {
    expect(() => readImportFile(join(tmp.dir, 'absent.csv'), { kind: 'records', now: NOW })).not.toThrow();
  });
});

describe('batching', () => {
  const five = ['a', 'b', 'c', 'd', 'e'].map((id) => JSON.stringify({ id, plan: id })).join('\n');

  it('given 5 rows and batchSize 2 when imported then there are 3 batches with the same items', async () => {
    const path = await tmp.write('five.jsonl', five);
    const all = await collect(path, { kind: 'records' });
    const batched = await collect(path, { kind: 'records', batchSize: 2 });
    expect(batched.batches.map((b) => b.records.length)).toEqual([2, 2, 1]);
    expect(batched.batches.every((b) => b.kind === 'records' && b.events.length === 0)).toBe(true);
    expect(batched.records).toEqual(all.records);
    expect(all.batches).toHaveLength(1);
  });

  it('given the same rows as CSV and batchSize 2 when imported then the batches match', async () => {
    const path = await tmp.write('five.csv', 'id,plan\na,a\nb,b\nc,c\nd,d\ne,e\n');
    const jsonl = await collect(await tmp.write('five.jsonl', five), { kind: 'records', batchSize: 2 });
    const csv = await collect(path, { kind: 'records', batchSize: 2 });
    expect(csv.batches.map((b) => b.records)).toEqual(jsonl.batches.map((b) => b.records));
  });

  it('given a problem on a row when batched then it travels in the batch that covers that row', async () => {
    const path = await tmp.write('mixed.jsonl', '{"id":"a"}\n{"id":"b"}\n{"nope":1}\n{"id":"c"}\n');
    const { batches } = await collect(path, { kind: 'records', batchSize: 2 });
    expect(batches.map((b) => [b.records.map((r) => r.externalId), b.problems.map((p) => p.line)])).toEqual([
      [['a', 'b'], []],
      [['c'], [3]],
    ]);
  });

  it('given a file of only bad rows when batched then problems are flushed in batches too', async () => {
    const path = await tmp.write('bad.jsonl', '[]\n[]\n[]\n[]\n[]\n');
    const { batches } = await collect(path, { kind: 'records', batchSize: 2 });
    expect(batches.map((b) => [b.records.length, b.problems.length])).toEqual([
      [0, 2],
      [0, 2],
      [0, 1],
    ]);
  });
});

describe('streaming', () => {
  const LINES = 200_000;

  async function writeEvents(path: string): Promise<void> {
    const out = createWriteStream(path);
    for (let start = 0; start < LINES; start += 10_000) {
      let chunk = '';
      for (let i = start; i < start + 10_000; i += 1) {
        chunk += `${JSON.stringify({ id: `e${i}`, recordId: `r${i % 997}`, type: 'page_view', occurredAt: NOW - i * 1000, url: `/p/${i % 50}` })}\n`;
      }
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    out.end();
    await finished(out);
  }

  it('given a 200,000-line JSONL events file when imported then it arrives as many bounded batches', async () => {
    const path = join(tmp.dir, 'big.jsonl');
    await writeEvents(path);
    let batches = 0;
    let events = 0;
    let problems = 0;
    let largest = 0;
    let last: ImportBatch | undefined;
    for await (const batch of readImportFile(path, { kind: 'events', now: NOW, batchSize: 5000 })) {
      batches += 1;
      events += batch.events.length;
      problems += batch.problems.length;
      largest = Math.max(largest, batch.events.length);
      last = batch;
    }
    expect(batches).toBe(40);
    expect(largest).toBe(5000);
    expect(events).toBe(LINES);
    expect(problems).toBe(0);
    expect(last?.events.at(-1)).toMatchObject({
      sourceId: `e${LINES - 1}`,
      attributes: { url: `/p/${(LINES - 1) % 50}` },
    });
  });

  it('given a large file when the consumer stops after the first batch then the import ends cleanly', async () => {
    const path = join(tmp.dir, 'big-early.jsonl');
    await writeEvents(path);
    const seen: number[] = [];
    for await (const batch of readImportFile(path, { kind: 'events', now: NOW, batchSize: 1000 })) {
      seen.push(batch.events.length);
      break;
    }
    expect(seen).toEqual([1000]);
  });
});
