import { describe, expect, it } from 'vitest';
import { headerProblems, parseEventRow, parseRecordRow, type RowContext } from '../../src/importer/index.js';
import { NOW } from './helpers.js';

const ctx: RowContext = { file: 'leads.jsonl', line: 17, source: 'file', now: NOW };

describe('parseRecordRow', () => {
  it('given every vocabulary field when parsed then each lands on the record and the rest in properties', () => {
    const result = parseRecordRow(
      {
        id: ' r1 ',
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical Engines',
        industry: 'Computing',
        title: 'CTO',
        companySize: 120,
        country: 'GB',
        ownerId: 77,
        lifecycleStage: 'lead',
        createdAt: '2024-01-15T09:30:00Z',
        updatedAt: 1705311000000,
        hs_lead_status: 'NEW',
        visits: 3,
        vip: false,
        legacy: null,
      },
      ctx,
    );
    expect(result).toEqual({
      ok: true,
      problems: [],
      value: {
        source: 'file',
        externalId: 'r1',
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical Engines',
        industry: 'Computing',
        title: 'CTO',
        companySize: 120,
        country: 'GB',
        ownerId: '77',
        lifecycleStage: 'lead',
        createdAt: Date.UTC(2024, 0, 15, 9, 30),
        updatedAt: 1705311000000,
        properties: { hs_lead_status: 'NEW', visits: 3, vip: false, legacy: null },
      },
    });
  });

  it('given snake_case aliases when parsed then they fill the camelCase fields', () => {
    const result = parseRecordRow(
      {
        externalId: 'r1',
        first_name: 'Ada',
        last_name: 'L',
        company_size: '10',
        owner_id: 'u1',
        lifecycle_stage: 'mql',
        created_at: '2024-01-01',
        updated_at: '2024-01-02',
      },
      ctx,
    );
    expect(result.ok && result.value).toMatchObject({
      externalId: 'r1',
      firstName: 'Ada',
      lastName: 'L',
      companySize: 10,
      ownerId: 'u1',
      lifecycleStage: 'mql',
      createdAt: Date.UTC(2024, 0, 1),
      updatedAt: Date.UTC(2024, 0, 2),
      properties: {},
    });
  });

  it('given companySize "lots" when parsed then the record is kept without it, flagged and warned', () => {
    const result = parseRecordRow({ id: 'r1', companySize: 'lots' }, ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.companySize).toBeUndefined();
    expect(result.value.dataQuality).toEqual(['companySize: "lots" is not a number']);
    expect(result.problems).toEqual([
      {
        file: 'leads.jsonl',
        line: 17,
        severity: 'warning',
        kind: 'companySize is not a number',
        message: 'line 17: companySize "lots" is not a number; left empty',
      },
    ]);
  });

  it('given a negative companySize when parsed then it is left empty as negative', () => {
    const result = parseRecordRow({ id: 'r1', company_size: '-5' }, ctx);
    expect(result.ok && result.value.dataQuality).toEqual(['companySize: "-5" is negative']);
    expect(result.problems[0]?.message).toBe('line 17: company_size "-5" is negative; left empty');
  });

  it('given an email without "@" when parsed then the email is kept and flagged', () => {
    const result = parseRecordRow({ id: 'r1', email: 'bob.example.com' }, ctx);
    expect(result.ok && result.value.email).toBe('bob.example.com');
    expect(result.ok && result.value.dataQuality).toEqual(['email: "bob.example.com" has no "@"']);
    expect(result.problems.map((p) => [p.severity, p.message])).toEqual([
      ['warning', 'line 17: email "bob.example.com" has no "@"; kept'],
    ]);
  });

  it('given an unparseable createdAt when parsed then it is left empty with a warning', () => {
    const result = parseRecordRow({ id: 'r1', createdAt: 'last tuesday', updatedAt: '2024-02-30' }, ctx);
    expect(result.ok && result.value).not.toHaveProperty('createdAt');
    expect(result.ok && result.value.dataQuality).toEqual([
      'createdAt: "last tuesday" is not an ISO 8601 timestamp or epoch time',
      'updatedAt: "2024-02-30" is not an ISO 8601 timestamp or epoch time',
    ]);
    expect(result.problems.map((p) => p.severity)).toEqual(['warning', 'warning']);
  });

  it('given a vocabulary text field holding an object when parsed then it is left empty and flagged', () => {
    const result = parseRecordRow({ id: 'r1', company: { name: 'Acme' } }, ctx);
    expect(result.ok && result.value).not.toHaveProperty('company');
    expect(result.ok && result.value.dataQuality).toEqual(['company: {"name":"Acme"} is not text']);
  });

  it('given blank vocabulary values when parsed then they are simply absent, without problems', () => {
    const result = parseRecordRow({ id: 'r1', email: '  ', companySize: null, createdAt: '' }, ctx);
    expect(result).toEqual({
      ok: true,
      problems: [],
      value: { source: 'file', externalId: 'r1', properties: {} },
    });
  });

  it('given a nested object property when parsed then it is dropped with a warning and a data-quality note', () => {
    const result = parseRecordRow({ id: 'r1', meta: { a: 1 }, tags: ['x'], plan: 'pro' }, ctx);
    expect(result.ok && result.value.properties).toEqual({ plan: 'pro' });
    expect(result.ok && result.value.dataQuality).toEqual([
      'meta: {"a":1} is a nested object or list',
      'tags: ["x"] is a nested object or list',
    ]);
    expect(result.problems.map((p) => [p.severity, p.kind])).toEqual([
      ['warning', 'property is a nested object or list'],
      ['warning', 'property is a nested object or list'],
    ]);
    expect(result.problems[0]?.message).toBe(
      'line 17: property "meta" {"a":1} is a nested object or list; dropped; values must be text, numbers, true/false or null',
    );
  });

  it('given a properties object when parsed then its entries merge with the other keys, the object winning', () => {
    const result = parseRecordRow({ id: 'r1', plan: 'free', properties: { plan: 'pro', seats: 4 } }, ctx);
    expect(result.ok && result.value.properties).toEqual({ plan: 'pro', seats: 4 });
    expect(result.problems.map((p) => p.message)).toEqual([
      'line 17: "plan" is given both at top level and in properties; used properties.plan',
    ]);
  });

  it('given a field under both its name and an alias when parsed then the canonical name wins with a warning', () => {
    const result = parseRecordRow({ id: 'r1', first_name: 'Adie', firstName: 'Ada' }, ctx);
    expect(result.ok && result.value.firstName).toBe('Ada');
    expect(result.problems.map((p) => [p.severity, p.message])).toEqual([
      ['warning', 'line 17: firstName and first_name are both given; used firstName'],
    ]);
  });

  it('given a "__proto__" key when parsed then it stays a plain property', () => {
    const result = parseRecordRow(JSON.parse('{"id":"r1","__proto__":"x"}'), ctx);
    expect(result.ok && Object.getPrototypeOf(result.value.properties)).toBe(Object.prototype);
    expect(result.ok && Object.entries(result.value.properties)).toEqual([['__proto__', 'x']]);
  });

  it.each([[{}], [{ id: '' }], [{ id: '   ' }], [{ id: null }]])(
    'given a row without an id (%j) when parsed then it is an error row',
    (raw) => {
      const result = parseRecordRow(raw, ctx);
      expect(result).toEqual({
        ok: false,
        problems: [
          {
            file: 'leads.jsonl',
            line: 17,
            severity: 'error',
            kind: 'id is missing',
            message: 'line 17: id is missing; row skipped',
          },
        ],
      });
    },
  );

  it('given an id that is an object when parsed then it is an error row naming the field', () => {
    const result = parseRecordRow({ id: { v: 1 } }, ctx);
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.message).toBe('line 17: id {"v":1} is not text; row skipped');
  });
});

describe('parseEventRow', () => {
  const good = { id: 'e1', recordId: 'r1', type: 'page_view', occurredAt: '2024-05-01T10:00:00Z' };

  it('given a complete event when parsed then other keys and the attributes object become attributes', () => {
    const result = parseEventRow(
      { ...good, url: '/pricing', attributes: { campaignId: 'c1', opens: 2 } },
      ctx,
    );
    expect(result).toEqual({
      ok: true,
      problems: [],
      value: {
        source: 'file',
        sourceId: 'e1',
        recordExternalId: 'r1',
        type: 'page_view',
        occurredAt: Date.UTC(2024, 4, 1, 10),
        attributes: { url: '/pricing', campaignId: 'c1', opens: 2 },
      },
    });
  });

  it('given aliases when parsed then they fill id, recordId and occurredAt', () => {
    const result = parseEventRow(
      { sourceId: 'e1', record_id: 'r1', type: 'call', occurred_at: 1714557600 },
      ctx,
    );
    expect(result.ok && result.value).toMatchObject({
      sourceId: 'e1',
      recordExternalId: 'r1',
      occurredAt: 1714557600000,
      attributes: {},
    });
    const long = parseEventRow(
      { id: 'e1', recordExternalId: 'r1', type: 'call', occurredAt: 1714557600000 },
      ctx,
    );
    expect(long.ok && long.value.recordExternalId).toBe('r1');
  });

  it('given an unknown type when parsed then it is an error row naming the value and the allowed types', () => {
    const result = parseEventRow({ ...good, type: 'webinar' }, ctx);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({
      severity: 'error',
      line: 17,
      kind: 'type is not an event type',
    });
    expect(result.problems[0]?.message).toMatch(
      /^line 17: type "webinar" is not an event type; expected one of email_sent, email_open, .*demo_request; row skipped$/,
    );
  });

  it('given an unparseable occurredAt when parsed then it is an error row', () => {
    const result = parseEventRow({ ...good, occurredAt: 'soon' }, ctx);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => [p.severity, p.message])).toEqual([
      ['error', 'line 17: occurredAt "soon" is not an ISO 8601 timestamp or epoch time; row skipped'],
    ]);
  });

  it('given an occurredAt just within 5 minutes after now when parsed then it is accepted', () => {
    expect(parseEventRow({ ...good, occurredAt: NOW + 5 * 60_000 }, ctx).ok).toBe(true);
  });

  it('given an occurredAt more than 5 minutes after now when parsed then it is an error row "in the future"', () => {
    const result = parseEventRow({ ...good, occurredAt: NOW + 5 * 60_000 + 1 }, ctx);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ severity: 'error', kind: 'occurredAt is in the future' });
    expect(result.problems[0]?.message).toContain('is in the future');
  });

  it('given an event missing every required field when parsed then each is reported', () => {
    const result = parseEventRow({ url: '/x' }, ctx);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.message)).toEqual([
      'line 17: id is missing; row skipped',
      'line 17: recordId is missing; row skipped',
      'line 17: type is missing; row skipped',
      'line 17: occurredAt is missing; row skipped',
    ]);
  });

  it('given a nested attribute value when parsed then the event is kept without it and warned', () => {
    const result = parseEventRow({ ...good, attributes: { agenda: ['a'], durationSeconds: 60 } }, ctx);
    expect(result.ok && result.value.attributes).toEqual({ durationSeconds: 60 });
    expect(result.problems.map((p) => [p.severity, p.kind])).toEqual([
      ['warning', 'attribute is a nested object or list'],
    ]);
  });
});

describe('headerProblems', () => {
  it('given usable headers when checked then there are no problems', () => {
    expect(headerProblems('records', ['id', 'email', 'first_name', 'plan'])).toEqual([]);
    expect(headerProblems('events', ['id', 'record_id', 'type', 'occurred_at', 'url'])).toEqual([]);
  });

  it('given missing required columns when checked then each is named with its aliases', () => {
    expect(headerProblems('events', ['id', 'url'])).toEqual([
      'the header has no "recordId" or "recordExternalId" or "record_id", no "type", no "occurredAt" or "occurred_at" column (required for events)',
    ]);
  });

  it('given duplicate or unnamed columns when checked then each is reported', () => {
    expect(headerProblems('records', ['id', 'plan', 'plan', 'firstName', 'first_name', ''])).toEqual([
      'column "plan" appears twice in the header',
      'columns "firstName" and "first_name" both give firstName',
      'column 6 of the header has no name',
    ]);
  });
});
