import type { Logger } from 'pino';
import { createHubSpotConnector } from '../../connectors/hubspot/adapter.js';
import { hubSpotClientFromConfig } from '../../connectors/hubspot/client.js';
import { createHubSpotHandoff } from '../../connectors/hubspot/handoff.js';
import { createSalesforceConnector } from '../../connectors/salesforce/adapter.js';
import { salesforceClientFromConfig } from '../../connectors/salesforce/client.js';
import { createSalesforceHandoff } from '../../connectors/salesforce/handoff.js';
import type { LoadedConfig } from '../config/load.js';
import type { SecretRef } from '../config/schema.js';
import { readMasterKey, resolveSecret } from '../config/secrets.js';
import type { CrmReader, CrmWriter, RecordWrite } from '../crm/ports.js';
import type { AttributeValue } from '../crm/vocabulary.js';
import { LeadscoreError } from '../errors.js';
import { type HandoffHooks, type HandoffStep, resolveHandoffSettings } from '../handoff/index.js';
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
  /** The hand-off hooks and settings (src/handoff), when handoff.enabled. */
  handoff?: HandoffStep;
  /** This CRM's hand-off hooks, enabled or not (the demo runs a hand-off of its own). */
  handoffHooks: HandoffHooks;
  /** What the credentials cannot do (missing scopes or permissions); empty when all is well. */
  checkAccess(): Promise<{ granted: string[]; missing: string[] }>;
  /** For --dry-run: the changes the writes would make, from `current` (the pulled CRM values). */
  planWrites(
    batch: RecordWrite[],
    current: ReadonlyMap<string, Record<string, AttributeValue>>,
  ): Promise<PlannedChange[]>;
}

/**
 * The writer with its crash check: writes a crashed run may have applied are read back from the CRM (one read
 * per batch) and those it already holds are not written again.
 */
export function withCrashCheck(
  writer: CrmWriter,
  plan: (batch: RecordWrite[]) => Promise<PlannedChange[]>,
): CrmWriter {
  return {
    target: writer.target,
    maxBatchSize: writer.maxBatchSize,
    ensureFields: (fields) => writer.ensureFields(fields),
    write: (batch) => writer.write(batch),
    async alreadyApplied(batch) {
      const changing = new Set((await plan(batch)).map((change) => change.externalId));
      return batch.filter((write) => !changing.has(write.externalId)).map((write) => write.outboxId);
    },
  };
}

export function writeBackSettings(config: LoadedConfig): WriteBackSettings {
  const { into, ...blend } = config.model.blend;
  return {
    fields: { ...config.writeBack.fields },
    onHumanOverwrite: config.writeBack.onHumanOverwrite,
    ...(into === 'band' ? { blend: { ...blend, maxLength: config.rules.reasons.maxLength } } : {}),
  };
}

/** The hand-off step for a sync run when the config enables it; settings checked against the rules here. */
function handoffStep(
  config: LoadedConfig,
  hooks: HandoffHooks,
  secret: (ref: SecretRef) => string,
): { handoff?: HandoffStep } {
  if (!config.handoff.enabled) return {};
  return {
    handoff: {
      hooks,
      settings: resolveHandoffSettings(config.handoff, config.rules.stages, hooks.lifecycle, secret),
    },
  };
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
    const hubspotHandoff = createHubSpotHandoff({ client });
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
      writer: withCrashCheck(connector.writer, (batch) => connector.planWrites(batch)),
      writeBack,
      noun: 'contact',
      writeEndpoint: 'POST /crm/v3/objects/contacts/batch/update',
      counters: () => client.counters,
      checkAccess: () => connector.checkScopes(),
      planWrites: (batch, current) => connector.planWrites(batch, current),
      handoffHooks: hubspotHandoff,
      ...handoffStep(config, hubspotHandoff, secret),
    };
  }

  const client = salesforceClientFromConfig(
    connection.salesforce as Parameters<typeof salesforceClientFromConfig>[0],
    secret,
    { dailyBudgetShare: config.limits.dailyBudgetShare, logger },
  );
  const salesforceHandoff = createSalesforceHandoff({ client, object: connection.salesforce.object });
  const connector = createSalesforceConnector({
    client,
    object: connection.salesforce.object,
    writeFields,
    logger,
  });
  return {
    source: connector.reader.source,
    reader: connector.reader,
    writer: withCrashCheck(connector.writer, (batch) => connector.planWrites(batch)),
    writeBack,
    noun: connection.salesforce.object === 'Lead' ? 'lead' : 'contact',
    writeEndpoint: 'PATCH /composite/sobjects',
    counters: () => client.counters,
    checkAccess: async () => ({ granted: [], ...(await connector.checkAccess()) }),
    planWrites: (batch, current) => connector.planWrites(batch, current),
    handoffHooks: salesforceHandoff,
    ...handoffStep(config, salesforceHandoff, secret),
  };
}
