import type { Logger } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/adapter.js';
import { hubSpotClientFromConfig } from '../../connectors/hubspot/client.js';
import { createSalesforceConnector } from '../../connectors/salesforce/adapter.js';
import { salesforceClientFromConfig } from '../../connectors/salesforce/client.js';
import type { LoadedConfig } from '../config/load.js';
import type { SecretRef } from '../config/schema.js';
import { readMasterKey, resolveSecret } from '../config/secrets.js';
import type { CrmReader, CrmWriter, RecordWrite } from '../crm/ports.js';
import type { AttributeValue } from '../crm/vocabulary.js';
import { LeadscoreError } from '../errors.js';
import type { Store } from '../store/index.js';
import { type PlannedChange, type WriteBackSettings, writeFieldsFor } from '../sync/writeback.js';

/**
 * The composition root: the one place that knows which connector serves which CRM. The core (scoring, store,
 * sync) only sees the ports in src/crm/ports.ts; the commands only see ConnectedCrm.
 */
export interface ApiCounts {
  calls: number;
  rateLimited: number;
  byEndpoint: Record<string, number>;
}

export interface ConnectedCrm {
  source: string;
  reader: CrmReader;
  writer: CrmWriter;
  writeBack: WriteBackSettings;
  /** What a record is called in this CRM, e.g. 'contact'. */
  noun: string;
  /** The endpoint key of a batch write, to count write calls. */
  writeEndpoint: string;
  counters(): ApiCounts;
  /** What the credentials cannot do (missing scopes or permissions); empty when all is well. */
  checkAccess(): Promise<{ granted: string[]; missing: string[] }>;
  /** For --dry-run: the changes the writes would make, from `current` (the pulled CRM values). */
  planWrites(
    batch: RecordWrite[],
    current: ReadonlyMap<string, Record<string, AttributeValue>>,
  ): Promise<PlannedChange[]>;
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
        hint: 'Set connection.crm to hubspot or salesforce (see config/leadscore.example.yaml), or use `leadscore import`.',
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
  const writeBack = writeBackSettings(config);
  const writeFields = writeFieldsFor(writeBack.fields);

  if (connection.crm === 'hubspot') {
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
      writeFields,
      propertyGroup: config.writeBack.propertyGroup,
      logger,
    });
    return {
      source: connector.reader.source,
      reader: connector.reader,
      writer: connector.writer,
      writeBack,
      noun: 'contact',
      writeEndpoint: 'POST /crm/v3/objects/contacts/batch/update',
      counters: () => client.counters,
      checkAccess: () => connector.checkScopes(),
      planWrites: (batch, current) => connector.planWrites(batch, current),
    };
  }

  const client = salesforceClientFromConfig(
    connection.salesforce as Parameters<typeof salesforceClientFromConfig>[0],
    secret,
    { dailyBudgetShare: config.limits.dailyBudgetShare, logger },
  );
  const connector = createSalesforceConnector({
    client,
    object: connection.salesforce.object,
    writeFields,
    logger,
  });
  return {
    source: connector.reader.source,
    reader: connector.reader,
    writer: connector.writer,
    writeBack,
    noun: connection.salesforce.object === 'Lead' ? 'lead' : 'contact',
    writeEndpoint: 'PATCH /composite/sobjects',
    counters: () => client.counters,
    checkAccess: async () => ({ granted: [], ...(await connector.checkAccess()) }),
    planWrites: (batch, current) => connector.planWrites(batch, current),
  };
}
