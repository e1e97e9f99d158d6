import { parseArgs } from 'node:util';
import type { Edition } from './behaviours.js';
import { startSalesforceSandbox } from './server.js';

/**
 * `leadscore sandbox salesforce --port 4020 --seed 42 [--leads N] [--contacts N] [--edition enterprise] [--json]`.
 * With --json the first stdout line is a JSON object with the connection details.
 */
export async function runSandboxCli(argv: string[]): Promise<{ close(): Promise<void> }> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4020' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '42' },
      leads: { type: 'string' },
      contacts: { type: 'string' },
      edition: { type: 'string', default: 'enterprise' },
      'score-fields': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const edition = values.edition as Edition;
  if (!['enterprise', 'unlimited', 'developer'].includes(edition))
    throw new Error(`--edition must be enterprise, unlimited or developer`);
  const sandbox = await startSalesforceSandbox({
    port: Number(values.port),
    host: values.host,
    seed: Number(values.seed),
    leads: values.leads ? Number(values.leads) : undefined,
    contacts: values.contacts ? Number(values.contacts) : undefined,
    edition,
    customFields: values['score-fields']
      ? [
          { fullName: 'Lead.LeadScore__c', type: 'Number', precision: 3, scale: 0 },
          { fullName: 'Lead.LeadScoreBand__c', type: 'Text', length: 20 },
          { fullName: 'Lead.LeadScoreReasons__c', type: 'LongTextArea', length: 32768 },
          { fullName: 'Contact.LeadScore__c', type: 'Number', precision: 3, scale: 0 },
          { fullName: 'Contact.LeadScoreBand__c', type: 'Text', length: 20 },
          { fullName: 'Contact.LeadScoreReasons__c', type: 'LongTextArea', length: 32768 },
        ]
      : undefined,
  });
  const details = {
    loginUrl: sandbox.loginUrl,
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    clientId: sandbox.oauth.clientId,
    clientSecret: sandbox.oauth.clientSecret,
    username: sandbox.oauth.username,
    refreshToken: sandbox.oauth.refreshToken,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(details)}\n`);
  } else {
    process.stdout.write(
      `Salesforce sandbox listening on ${sandbox.instanceUrl} (edition ${edition}, seed ${values.seed})\n` +
        Object.entries(details)
          .map(([k, v]) => `  ${k}: ${v}`)
          .join('\n') +
        '\n  test controls: /__sandbox/state, /__sandbox/log, /__sandbox/faults, /__sandbox/sessions/expire ...\n',
    );
  }
  return { close: () => sandbox.close() };
}
