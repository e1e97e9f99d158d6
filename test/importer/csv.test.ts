import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, fixture, scratch, where } from './helpers.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(() => tmp.cleanup());

describe('CSV records', () => {
  it('given a semicolon file with a BOM, quoted delimiters and newlines when imported then rows and lines are right', async () => {
    const { records, problems } = await collect(fixture('records-semicolon.csv'), { kind: 'records' });
    expect(records).toEqual([
      {
        source: 'file',
        externalId: 'r1',
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical; Engines Ltd',
        companySize: 120,
        createdAt: Date.UTC(2024, 0, 15, 9, 30),
        properties: { hs_lead_status: 'NEW', notes: 'line one\nline two' },
      },
      {
        source: 'file',
        externalId: 'r2',
        email: 'bob-at-example.com',
        firstName: 'Bob',
        company: 'Acme',
        createdAt: 1705311000000,
        properties: {},
        dataQuality: ['email: "bob-at-example.com" has no "@"', 'companySize: "lots" is not a number'],
      },
      {
        source: 'file',
        externalId: 'r3',
        email: 'cy@example.com',
        firstName: 'Cy',
        lastName: 'Young',
        company: 'He said "hi"',
        companySize: 42,
        properties: { hs_lead_status: 'OPEN', notes: 'x' },
        dataQuality: ['createdAt: "not a date" is not an ISO 8601 timestamp or epoch time'],
      },
    ]);
    // r2 starts on line 4 because r1's quoted notes span lines 2-3; line 5 is empty.
    expect(problems.map((p) => [p.line, p.severity, p.message])).toEqual([
      [4, 'warning', 'line 4: email "bob-at-example.com" has no "@"; kept'],
      [4, 'warning', 'line 4: companySize "lots" is not a number; left empty'],
      [
        6,
        'warning',
        'line 6: created_at "not a date" is not an ISO 8601 timestamp or epoch time; left empty',
      ],
    ]);
  });

  it('given a comma file with numeric-looking properties when imported then properties stay strings', async () => {
    const path = await tmp.write('leads.csv', 'id,companySize,employees,zip\nr1,250,250,02134\n');
    const { records } = await collect(path, { kind: 'records' });
    expect(records[0]?.companySize).toBe(250);
    expect(records[0]?.properties).toEqual({ employees: '250', zip: '02134' });
  });

  it('given CRLF endings, CRLF inside quotes, a stray quote and padding when imported then lines are physical lines and cells trimmed', async () => {
    const path = await tmp.write(
      'crlf.csv',
      'id,notes\r\n\r\nr1,"a\r\nb\r\nc"\r\n\r\n\r\nr2,"x"y\r\nr3\r\nr4,  padded  \r\nr5,"  trimmed too  "',
    );
    const { records, problems } = await collect(path, { kind: 'records' });
    expect(records.map((r) => [r.externalId, r.properties.notes])).toEqual([
      ['r1', 'a\r\nb\r\nc'],
      ['r2', '"x"y'],
      ['r4', 'padded'],
      ['r5', 'trimmed too'],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'line 9: expected 2 columns as in the header, found 1; row skipped',
    ]);
  });

  it('given rows with too many or too few cells when imported then each is an error row and the rest import', async () => {
    const path = await tmp.write(
      'cols.csv',
      'id,email,plan\nr1,a@x.io,pro\nr2,b@x.io\nr3,c@x.io,pro,extra\n,,\nr4,,\n',
    );
    const { records, problems } = await collect(path, { kind: 'records' });
    expect(records.map((r) => r.externalId)).toEqual(['r1', 'r4']);
    expect(where(problems)).toEqual([
      [3, 'error'],
      [4, 'error'],
    ]);
    expect(problems[1]?.message).toBe('line 4: expected 3 columns as in the header, found 4; row skipped');
  });

  it('given a quote that never closes when imported then the rows before it import and one error names it', async () => {
    const path = await tmp.write('open.csv', 'id,notes\nr1,ok\nr2,"never closed\nr3,lost\n');
    const { records, problems } = await collect(path, { kind: 'records' });
    expect(records.map((r) => r.externalId)).toEqual(['r1']);
    expect(where(problems)).toEqual([[3, 'error']]);
    expect(problems[0]?.message).toMatch(/^line 3: malformed CSV \(Quote Not Closed.*\); row skipped$/);
  });

  it('given a duplicate id when imported then the later row is skipped with a warning naming the first line', async () => {
    const path = await tmp.write('dup.csv', 'id,plan\nr1,a\nr2,b\nr1,c\n');
    const { records, problems } = await collect(path, { kind: 'records' });
    expect(records.map((r) => r.properties.plan)).toEqual(['a', 'b']);
    expect(problems.map((p) => [p.line, p.severity, p.message])).toEqual([
      [4, 'warning', 'line 4: duplicate id "r1" (first on line 2); row skipped'],
    ]);
  });

  it('given only the header when imported then nothing is yielded', async () => {
    const path = await tmp.write('empty.csv', 'id,email\n');
    expect((await collect(path, { kind: 'records' })).batches).toEqual([]);
  });
});

describe('CSV events', () => {
  it('given the comma events fixture when imported then bad rows are skipped with their lines', async () => {
    const { events, problems } = await collect(fixture('events.csv'), { kind: 'events' });
    expect(events).toEqual([
      {
        source: 'file',
        sourceId: 'e1',
        recordExternalId: 'r1',
        type: 'page_view',
        occurredAt: Date.UTC(2024, 4, 1, 10),
        attributes: { url: 'https://example.com/pricing?a=1,b=2' },
      },
      {
        source: 'file',
        sourceId: 'e2',
        recordExternalId: 'r1',
        type: 'email_open',
        occurredAt: 1714557600000,
        attributes: { campaignId: 'c-9' },
      },
    ]);
    expect(problems.map((p) => [p.line, p.severity, p.kind])).toEqual([
      [4, 'error', 'type is not an event type'],
      [5, 'error', 'occurredAt is not an ISO 8601 timestamp or epoch time'],
      [6, 'error', 'wrong number of columns'],
      [7, 'warning', 'duplicate id'],
    ]);
    expect(problems[0]?.message).toMatch(
      /^line 4: type "webinar" is not an event type; expected one of email_sent, /,
    );
    expect(problems[3]?.message).toBe('line 7: duplicate id "e1" (first on line 2); row skipped');
  });

  it('given a semicolon events file with a BOM when imported then the delimiter is detected', async () => {
    const path = await tmp.write(
      'events.csv',
      '\uFEFFid;recordId;type;occurredAt;subject\ne1;r1;email_sent;2024-05-01T10:00:00Z;"Hello; world"\n',
    );
    const { events, problems } = await collect(path, { kind: 'events' });
    expect(problems).toEqual([]);
    expect(events.map((e) => [e.sourceId, e.type, e.attributes])).toEqual([
      ['e1', 'email_sent', { subject: 'Hello; world' }],
    ]);
  });

  it('given empty lines before a semicolon header when imported then the delimiter and lines are still right', async () => {
    const path = await tmp.write('late.csv', '\n\nid;recordId;type;occurredAt\ne1;r1;webinar;2024-05-01\n');
    const { problems } = await collect(path, { kind: 'events' });
    expect(where(problems)).toEqual([[4, 'error']]);
  });

  it('given a header whose first name is quoted and holds a semicolon when sniffed then commas still win', async () => {
    const path = await tmp.write(
      'quoted.csv',
      '"id;x",id,recordId,type,occurredAt\n1,e1,r1,call,2024-05-01\n',
    );
    const { events } = await collect(path, { kind: 'events' });
    expect(events.map((e) => e.attributes)).toEqual([{ 'id;x': '1' }]);
  });
});
