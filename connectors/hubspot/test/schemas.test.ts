import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { LeadscoreError } from '../../../src/errors.js';
import {
  associationsBatchSchema,
  batchResultSchema,
  emailEventsPageSchema,
  formSubmissionsPageSchema,
  listPageSchema,
  ownersPageSchema,
  parseResponse,
  propertyListSchema,
  searchPageSchema,
  tokenInfoSchema,
  tokenResponseSchema,
  webEventsPageSchema,
} from '../schemas.js';

function failure(schema: z.ZodType, data: unknown, endpoint: string): LeadscoreError {
  try {
    parseResponse(schema, data, endpoint);
  } catch (error) {
    if (error instanceof LeadscoreError) return error;
    throw error;
  }
  throw new Error('expected the parse to fail');
}

describe('parseResponse', () => {
  it.each([
    [
      'a list page without results',
      'results',
      'GET /crm/v3/objects/contacts',
      listPageSchema,
      { paging: {} },
    ],
    [
      'a list page with a numeric id',
      'results[0].id',
      'GET /crm/v3/objects/contacts',
      listPageSchema,
      { results: [{ id: 5, properties: {} }] },
    ],
    [
      'a property value that is a number',
      'results[0].properties.numemployees',
      'GET /crm/v3/objects/contacts',
      listPageSchema,
      { results: [{ id: '5', properties: { numemployees: 50 } }] },
    ],
    [
      'a search page without total',
      'total',
      'POST /crm/v3/objects/contacts/search',
      searchPageSchema,
      { results: [] },
    ],
    [
      'a paging.next without after',
      'paging.next.after',
      'POST /crm/v3/objects/contacts/search',
      searchPageSchema,
      { total: 1, results: [], paging: { next: {} } },
    ],
    [
      'a 207 error without category',
      'errors[0].category',
      'POST /crm/v3/objects/contacts/batch/update',
      batchResultSchema,
      { status: 'COMPLETE', results: [], errors: [{ message: 'x' }] },
    ],
    [
      'an email event without created',
      'events[0].created',
      'GET /email/public/v1/events',
      emailEventsPageSchema,
      { hasMore: false, events: [{ id: 'e', type: 'OPEN' }] },
    ],
    [
      'an email page without hasMore',
      'hasMore',
      'GET /email/public/v1/events',
      emailEventsPageSchema,
      { events: [] },
    ],
    [
      'a submission with a string time',
      'results[0].submittedAt',
      'GET /form-integrations/v1/submissions/forms/{guid}',
      formSubmissionsPageSchema,
      { results: [{ conversionId: 'c', submittedAt: 'yesterday', values: [] }] },
    ],
    [
      'a web event without objectId',
      'results[0].objectId',
      'GET /events/v3/events',
      webEventsPageSchema,
      { results: [{ id: 'w', eventType: 'e_visited_page', objectType: 'CONTACT', occurredAt: 'x' }] },
    ],
    [
      'an association row without from',
      'results[0]._from',
      'POST /crm/v4/associations/meetings/contacts/batch/read',
      associationsBatchSchema,
      { status: 'COMPLETE', results: [{ to: [] }] },
    ],
    [
      'a property without type',
      'results[0].type',
      'GET /crm/v3/properties/contacts',
      propertyListSchema,
      { results: [{ name: 'x', label: 'X', fieldType: 'text', groupName: 'g' }] },
    ],
    [
      'an owner without id',
      'results[0].id',
      'GET /crm/v3/owners',
      ownersPageSchema,
      { results: [{ email: 'a@b.c' }] },
    ],
    [
      'a token response without expiresIn',
      'expiresIn',
      'POST /oauth/v1/token',
      tokenResponseSchema,
      { accessToken: 'a' },
    ],
    [
      'token info without scopes',
      'scopes',
      'GET /oauth/v1/access-tokens/{token}',
      tokenInfoSchema,
      { hub_id: 1 },
    ],
    [
      'an HTML error page',
      '(the body)',
      'GET /crm/v3/objects/contacts',
      listPageSchema,
      '<html><body>502 Bad Gateway</body></html>',
    ],
  ] as Array<[string, string, string, z.ZodType, unknown]>)(
    'given %s, when parsed, then ERR_CRM_RESPONSE names the endpoint and %s',
    (_name, path, endpoint, schema, data) => {
      const error = failure(schema, data, endpoint);
      expect(error.code).toBe('ERR_CRM_RESPONSE');
      expect(error.message).toContain(endpoint);
      expect(error.message).toContain(` at ${path}:`);
    },
  );

  it('given a 207 with errors and results, when parsed, then both are kept', () => {
    const parsed = parseResponse(
      batchResultSchema,
      {
        status: 'COMPLETE',
        results: [{ id: '1', properties: { email: 'a@b.c', leadscore_score: null } }],
        numErrors: 1,
        errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'gone', context: { ids: ['2'] } }],
      },
      'POST /crm/v3/objects/contacts/batch/update',
    );
    expect(parsed.results[0]?.properties.leadscore_score).toBeNull();
    expect(parsed.errors?.[0]?.context?.ids).toEqual(['2']);
  });

  it('given an HTML page, when parsed, then the message shows the start of the text', () => {
    expect(failure(listPageSchema, '<html>oops</html>', 'GET /x').message).toContain(
      'got text: "<html>oops</html>"',
    );
  });
});
