export { ProblemTally, summariseProblems } from './problems.js';
export { DEFAULT_BATCH_SIZE, DEFAULT_SOURCE, formatOf, readImportFile } from './read.js';
export {
  ALIASES,
  FUTURE_TOLERANCE_MS,
  headerProblems,
  parseEventRow,
  parseRecordRow,
  REQUIRED_COLUMNS,
} from './rows.js';
export type {
  ImportBatch,
  ImportFormat,
  ImportKind,
  ImportOptions,
  ImportProblem,
  RowContext,
  RowResult,
} from './types.js';
export { EPOCH_SECONDS_BELOW, toEpochMs } from './values.js';
