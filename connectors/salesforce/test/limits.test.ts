import { describe, expect, it } from 'vitest';
import {
  classify,
  dailyBudget,
  describeFailure,
  editionAllowance,
  idsPerQuery,
  MAX_URI_BYTES,
  parseLimitInfo,
} from '../limits.js';
import {
  parseResponse,
  queryResultSchema,
  saveResultsSchema,
  taskRowSchema,
  tokenResponseSchema,
} from '../schemas.js';

/** jsforce's HttpApiError shape: name = errorCode = Salesforce's errorCode, message, data. */
const apiError = (errorCode: string, message = 'x') =>
  Object.assign(new Error(message), { name: errorCode, errorCode, data: {} });

describe('classify', () => {
  it.each([
    ['503 SERVER_UNAVAILABLE', apiError('SERVER_UNAVAILABLE'), 'retry'],
    ['500 UNKNOWN_EXCEPTION', apiError('UNKNOWN_EXCEPTION'), 'retry'],
    ['a 502 with an HTML body', apiError('ERROR_HTTP_502'), 'retry'],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retry'],
    [
      '403 REQUEST_LIMIT_EXCEEDED (daily)',
      apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      'fail',
    ],
    [
      '403 REQUEST_LIMIT_EXCEEDED (long-running)',
      apiError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
      'retry',
    ],
    ['401 INVALID_SESSION_ID after jsforce gave up', apiError('INVALID_SESSION_ID'), 'fail'],
    ['400 INVALID_FIELD', apiError('INVALID_FIELD', "No such column 'X__c' on sobject of type Lead"), 'fail'],
    ['400 MALFORMED_QUERY', apiError('MALFORMED_QUERY'), 'fail'],
    ['a 414 URI too long', apiError('ERROR_HTTP_414'), 'fail'],
    ['a body that is not JSON', new SyntaxError('Unexpected token <'), 'retry'],
  ])('given %s, when classified, then %s', (_name, error, action) => {
    const decision = classify(error, 1);
    expect(decision.action).toBe(action);
    if (decision.action === 'retry') expect(decision.countsAttempt).toBe(true);
  });

  it.each([
    [apiError('INVALID_SESSION_ID'), 'refresh'],
    [Object.assign(new Error('expired access/refresh token'), { name: 'invalid_grant' }), 'auth'],
    [new Error('Unable to refresh session due to: expired access/refresh token'), 'auth'],
    [apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), 'daily-limit'],
    [apiError('INVALID_QUERY_LOCATOR'), 'stale-locator'],
    [apiError('INVALID_FIELD', "No such column 'Score__c' on sobject of type Lead"), 'missing-field'],
  ])('given %s, when described, then it is %s', (error, kind) => {
    expect(describeFailure(error).kind).toBe(kind);
  });

  it('given attempts, when backing off, then the delay doubles', () => {
    const delays = [1, 2, 3].map((attempt) => {
      const d = classify(apiError('SERVER_UNAVAILABLE'), attempt);
      return d.action === 'retry' ? d.delayMs : -1;
    });
    expect(delays).toEqual([500, 1000, 2000]);
  });
});

describe('limits as data', () => {
  it.each([
    ['developer', 0, 15_000],
    ['enterprise', 10, 110_000],
    ['unlimited', 10, 150_000],
  ] as const)('given %s with %i licences, then the allowance is %i', (edition, licences, allowance) => {
    expect(editionAllowance(edition, licences)).toBe(allowance);
  });

  it.each([
    ['api-usage=18/15000', { used: 18, limit: 15_000 }],
    ['api-usage=5/100000; api-bursts=1/750', { used: 5, limit: 100_000 }],
    [undefined, undefined],
  ])('given Sforce-Limit-Info %s, then %j', (header, usage) => {
    expect(parseLimitInfo(header)).toEqual(usage);
  });

  it('given a share, then the budget is that share of the allowance', () => {
    expect(dailyBudget(100_000, 0.5)).toBe(50_000);
  });

  it('given a query text, then the id chunk keeps the URI under 16 KB', () => {
    const n = idsPerQuery(600);
    const ids = Array.from({ length: n }, (_, i) => `00Q5g${String(i).padStart(13, '0')}`);
    const uri = `/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Lead WHERE Id IN (${ids.map((id) => `'${id}'`).join(', ')})`)}`;
    expect(uri.length + 600).toBeLessThan(MAX_URI_BYTES);
    expect(n).toBeGreaterThan(300);
  });
});

describe('schemas', () => {
  it.each([
    [
      'a page without done',
      '/query',
      queryResultSchema(taskRowSchema),
      { totalSize: 1, records: [] },
      'at done',
    ],
    [
      'a row without Id',
      '/query',
      queryResultSchema(taskRowSchema),
      { totalSize: 1, done: true, records: [{ SystemModstamp: 'x' }] },
      'at records[0].Id',
    ],
    [
      'a row with a numeric Subject',
      '/query',
      queryResultSchema(taskRowSchema),
      { totalSize: 1, done: true, records: [{ Id: 'a', SystemModstamp: 'x', Subject: 5 }] },
      'at records[0].Subject',
    ],
    [
      'a SaveResult without success',
      '/composite/sobjects',
      saveResultsSchema,
      [{ id: 'a', errors: [] }],
      'at [0].success',
    ],
    [
      'a token without access_token',
      '/services/oauth2/token',
      tokenResponseSchema,
      { instance_url: 'https://x.example' },
      'at access_token',
    ],
    ['an HTML page', '/query', queryResultSchema(taskRowSchema), '<html>', 'got text'],
  ])(
    'given %s, when parsed, then ERR_CRM_RESPONSE names the endpoint and path',
    (_name, endpoint, schema, body, where) => {
      expect(() => parseResponse(schema, body, endpoint)).toThrow(
        expect.objectContaining({ code: 'ERR_CRM_RESPONSE' }),
      );
      try {
        parseResponse(schema, body, endpoint);
      } catch (error) {
        expect((error as Error).message).toContain(`Salesforce ${endpoint}`);
        expect((error as Error).message).toContain(where);
      }
    },
  );
});
