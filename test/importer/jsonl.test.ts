import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, fixture, NOW, scratch, where } from './helpers.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

describe('JSONL records', () => {
  it('given the records fixture when imported then good rows are kept, bad values flagged, bad rows skipped', async () => {
    const { records, problems } = await collect(fixture('records.jsonl'), {
      kind: 'records',
      source: 'trial',
    });

    expect(records.map((r) => r.externalId)).toEqual(['r1', 'r2', 'r3']);
    expect(records[0]).toEqual({
      source: 'trial',
      externalId: 'r1',
      email: 'ada@example.com',
      firstName: 'Ada',
      companySize: 120,
      createdAt: Date.UTC(2024, 0, 15, 9, 30),
      properties: { hs_lead_status: 'NEW', score_hint: 7, vip: true },
    });
    expect(records[1]).toMatchObject({
      email: 'bob-at-example.com',
      updatedAt: 1705311000000,
      properties: { LeadSource: 'Web' },
      dataQuality: ['email: "bob-at-example.com" has no "@"', 'companySize: "lots" is not a number'],
    });
    expect(records[1]).not.toHaveProperty('companySize');
    expect(records[2]).toMatchObject({ ownerId: '1234', properties: {} });

    expect(where(problems)).toEqual([
      [2, 'warning'],
      [2, 'warning'],
      [4, 'warning'],
      [5, 'warning'],
      [6, 'error'],
      [7, 'error'],
      [8, 'error'],
    ]);
    expect(problems.map((p) => p.file)).toEqual(Array(7).fill(fixture('records.jsonl')));
    expect(problems[3]?.message).toBe('line 5: duplicate id "r1" (first on line 1); row skipped');
    expect(problems[4]?.message).toBe('line 6: id is missing; row skipped');
    expect(problems[5]?.message).toMatch(/^line 7: malformed JSON \(.+\); row skipped$/);
    expect(problems[6]?.message).toBe('line 8: expected a JSON object, got an array; row skipped');
  });

  it('given a duplicate id whose first row was refused when imported then the later row is kept', async () => {
    const path = await tmp.write(
      'events.jsonl',
      [
        '{"id":"e1","recordId":"r1","type":"webinar","occurredAt":"2024-05-01"}',
        '{"id":"e1","recordId":"r1","type":"call","occurredAt":"2024-05-01"}',
      ].join('\n'),
    );
    const { events, problems } = await collect(path, { kind: 'events' });
    expect(events.map((e) => e.type)).toEqual(['call']);
    expect(where(problems)).toEqual([[1, 'error']]);
  });

  it('given scalar JSON lines, CRLF endings, a BOM and blank lines when imported then lines are counted physically', async () => {
    const path = await tmp.write(
      'records.ndjson',
      '\uFEFF{"id":"a"}\r\n\r\n   \r\n"text"\r\n42\r\nnull\r\n{"id":"b"}\r\n',
    );
    const { records, problems } = await collect(path, { kind: 'records' });
    expect(records.map((r) => r.externalId)).toEqual(['a', 'b']);
    expect(problems.map((p) => p.message)).toEqual([
      'line 4: expected a JSON object, got a string; row skipped',
      'line 5: expected a JSON object, got a number; row skipped',
      'line 6: expected a JSON object, got null; row skipped',
    ]);
  });
});

describe('JSONL events', () => {
  it('given the events fixture when imported then bad types and future times are error rows', async () => {
    const { events, problems } = await collect(fixture('events.jsonl'), { kind: 'events' });
    expect(events).toEqual([
      {
        source: 'file',
        sourceId: 'e1',
        recordExternalId: 'r1',
        type: 'page_view',
        occurredAt: Date.UTC(2024, 4, 1, 10),
        attributes: { url: 'https://example.com/pricing' },
      },
      {
        source: 'file',
        sourceId: 'e2',
        recordExternalId: 'r1',
        type: 'email_open',
        occurredAt: 1714557600000,
        attributes: { campaignId: 'c-9', opens: 2 },
      },
      {
        source: 'file',
        sourceId: 'e5',
        recordExternalId: 'r2',
        type: 'meeting_held',
        occurredAt: Date.UTC(2024, 4, 1, 10),
        attributes: { durationSeconds: 1800 },
      },
    ]);
    expect(problems.map((p) => [p.line, p.severity, p.kind])).toEqual([
      [3, 'error', 'type is not an event type'],
      [4, 'error', 'occurredAt is in the future'],
      [5, 'warning', 'attribute is a nested object or list'],
    ]);
    expect(problems[1]?.message).toBe(
      `line 4: occurredAt "2030-01-01T00:00:00Z" is in the future; more than 5 minutes after now (${new Date(NOW).toISOString()}); row skipped`,
    );
  });
});
