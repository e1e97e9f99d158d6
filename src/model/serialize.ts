import { LeadscoreError } from '../errors.js';
import { type LeadModel, MODEL_FORMAT, MODEL_VERSION } from './model.js';

/**
 * The model as JSON, for versioning in the store. A model is plain data built in a fixed order, so the same
 * rows, options and seed give byte-identical text.
 */
export function serializeModel(model: LeadModel): string {
  return JSON.stringify(model);
}

export function deserializeModel(text: string): LeadModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LeadscoreError('ERR_MODEL_FORMAT', `the saved model is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const candidate = parsed as Partial<LeadModel> | null;
  if (candidate === null || typeof candidate !== 'object' || candidate.format !== MODEL_FORMAT) {
    throw new LeadscoreError('ERR_MODEL_FORMAT', `the saved model is not a ${MODEL_FORMAT} document`);
  }
  if (typeof candidate.version !== 'number' || candidate.version > MODEL_VERSION) {
    throw new LeadscoreError(
      'ERR_MODEL_FORMAT',
      `the saved model has format version ${String(candidate.version)}; this leadscore reads up to ${MODEL_VERSION}`,
    );
  }
  const problems: string[] = [];
  if (!Array.isArray(candidate.pipeline?.columns)) problems.push('pipeline.columns');
  if (candidate.gbt !== null && !Array.isArray(candidate.gbt?.trees)) problems.push('gbt.trees');
  if (candidate.logistic !== null && !Array.isArray(candidate.logistic?.weights))
    problems.push('logistic.weights');
  if (typeof candidate.gbtWeight !== 'number') problems.push('gbtWeight');
  if (typeof candidate.calibrator?.kind !== 'string') problems.push('calibrator');
  if (problems.length > 0) {
    throw new LeadscoreError('ERR_MODEL_FORMAT', `the saved model lacks or garbles: ${problems.join(', ')}`);
  }
  return candidate as LeadModel;
}
