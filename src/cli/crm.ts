import type { Logger } from 'pino';
import { createHubSpotConnector, type HubSpotConnector } from '../../connectors/hubspot/adapter.js';
import { type HubSpotClient, hubSpotClientFromConfig } from '../../connectors/hubspot/client.js';
import type { LoadedConfig } from '../config/load.js';
import type { SecretRef } from '../config/schema.js';
import { readMasterKey, resolveSecret } from '../config/secrets.js';
import { LeadscoreError } from '../errors.js';
import type { Store } from '../store/index.js';
import { type WriteBackSettings, writeFieldsFor } from '../sync/writeback.js';

/**
 * The composition root: the one place that knows which connector serves which CRM. The core (scoring, store,
 * sync) only sees the ports in src/crm/ports.ts.
 */
export interface ConnectedCrm {
  source: string;
  connector: HubSpotConnector;
  client: HubSpotClient;
  writeBack: WriteBackSettings;
}

export function writeBackSettings(config: LoadedConfig): WriteBackSettings {
  return { fields: { ...config.writeBack.fields }, onHumanOverwrite: config.writeBack.onHumanOverwrite };
}

export function connectCrm(config: LoadedConfig, store: Store, logger: Logger): ConnectedCrm {
  const connection = config.connection;
  if (connection.crm === 'none') {
    throw new LeadscoreError(
      'ERR_CONFIG_INVALID',
      `${config.files.config}: connection.crm is "none": no CRM to sync with.`,
      {
        hint: 'Set connection.crm to hubspot (see config/leadscore.example.yaml), or use `leadscore import` for files.',
      },
    );
  }
  if (connection.crm !== 'hubspot') {
    throw new LeadscoreError(
      'ERR_CONFIG_INVALID',
      `connection.crm "${connection.crm}" has no connector in this version yet.`,
      {
        hint: 'HubSpot is supported; the Salesforce connector is being built.',
      },
    );
  }
  const masterKey = readMasterKey(process.env);
  const secret = (ref: SecretRef) =>
    resolveSecret(ref, {
      env: process.env,
      getStored: (name) => store.getSecret(name),
      ...(masterKey ? { masterKey } : {}),
    });
  const settings = writeBackSettings(config);
  const client = hubSpotClientFromConfig(
    connection.hubspot as Parameters<typeof hubSpotClientFromConfig>[0],
    secret,
    {
      dailyBudgetShare: config.limits.dailyBudgetShare,
      logger,
    },
  );
  const connector = createHubSpotConnector({
    client,
    tier: connection.hubspot.tier,
    writeFields: writeFieldsFor(settings.fields),
    propertyGroup: config.writeBack.propertyGroup,
    logger,
  });
  return { source: connector.reader.source, connector, client, writeBack: settings };
}
