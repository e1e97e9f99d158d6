import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFieldsFor } from '../../../src/sync/writeback.js';
import { createSalesforceConnector } from '../adapter.js';
import { SalesforceClient } from '../client.js';
import type { SalesforceObject } from '../mapping.js';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandbox/index.js';

/** The access check behind `leadscore connect salesforce` (BEHAVIOR 28), through jsforce against the sandbox. */

const FIELDS = {
  score: 'leadscore_score__c',
  band: 'leadscore_band__c',
  fit: 'leadscore_fit__c',
  engagement: 'leadscore_engagement__c',
  reasons: 'leadscore_reasons__c',
  stage: 'leadscore_stage__c',
  updatedAt: 'leadscore_updated_at__c',
};
let sb: SalesforceSandbox;

beforeEach(async () => {
  sb = await startSalesforceSandbox({
    port: 0,
    seed: 5,
    leads: 30,
    customFields: [
      { fullName: 'Lead.leadscore_score__c', type: 'Number', precision: 8, scale: 2 },
      { fullName: 'Contact.leadscore_score__c', type: 'Number', precision: 8, scale: 2 },
    ],
  });
});

afterEach(async () => {
  await sb.close();
});

function checkAccess(object: SalesforceObject) {
  const client = new SalesforceClient({
    auth: { kind: 'accessToken', accessToken: sb.accessToken },
    loginUrl: sb.loginUrl,
    instanceUrl: sb.instanceUrl,
    sleep: async () => {},
  });
  return createSalesforceConnector({ client, object, writeFields: writeFieldsFor(FIELDS) }).checkAccess();
}

describe('Salesforce access check', () => {
  it('given full access, when checked, then nothing is missing (fields not created yet are not reported)', async () => {
    expect(await checkAccess('Lead')).toEqual({ missing: [] });
  });

  it('given revoked permissions, when checked, then each missing object and field is named with the permission it needs', async () => {
    sb.state.setAccess('Lead', 'Industry', 'none');
    sb.state.setAccess('Lead', 'leadscore_score__c', 'read');
    sb.state.setAccess('Opportunity', undefined, 'none');
    sb.state.setAccess('EmailMessage', 'FirstOpenedDate', 'none');
    sb.state.setAccess('Lead', undefined, 'read');
    expect((await checkAccess('Lead')).missing).toEqual([
      'Lead.Industry (Read: field-level security)',
      'Lead (Edit: object permission)',
      'Lead.leadscore_score__c (Edit: field-level security)',
      'Opportunity (Read: object permission)',
      'EmailMessage.FirstOpenedDate (Read: field-level security)',
    ]);
  });

  it('given Contact as the object and Account unreadable, when checked, then Account and the contact field are named', async () => {
    sb.state.setAccess('Account', undefined, 'none');
    sb.state.setAccess('Contact', 'Title', 'none');
    expect((await checkAccess('Contact')).missing).toEqual([
      'Contact.Title (Read: field-level security)',
      'Account (Read: object permission)',
    ]);
  });
});
