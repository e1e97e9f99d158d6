/** The predictive-scoring core: feature pipeline, models, calibration, reasons, evaluation, serialisation. */
export {
  type CalibrationKind,
  type Calibrator,
  calibrate,
  chooseCalibrator,
  fitIsotonic,
  fitPlatt,
} from './calibration.js';
export { type CsvTable, detectDelimiter, readCsv } from './csv.js';
export {
  type EvaluateCsvOptions,
  type EvaluateOptions,
  type EvaluationReport,
  evaluateCsv,
  evaluateRows,
  type Figures,
  figures,
  prepareCsv,
  stratifiedFolds,
} from './evaluate.js';
export {
  type ColumnKind,
  cleanValue,
  type FeaturePipeline,
  fitPipeline,
  inferColumnKinds,
  PLACEHOLDER_VALUES,
  type RawRow,
  type RawValue,
} from './features.js';
export { DEFAULT_GBT_OPTIONS, type GbtOptions } from './gbt.js';
export {
  CONVERSION_SOURCES,
  type ConversionSource,
  type LabelOptions,
  labelRecord,
  parseLabelTime,
  type RecordLabel,
} from './labels.js';
export { DEFAULT_LOGISTIC_OPTIONS, type LogisticOptions } from './logistic.js';
export { expectedCalibrationError, logLoss, precisionAtTop, rocAuc } from './metrics.js';
export {
  type Explanation,
  explainPrediction,
  type LeadModel,
  predictLogits,
  predictProbabilities,
  type Reason,
  type TrainOptions,
  trainLeadModel,
} from './model.js';
export { deserializeModel, serializeModel } from './serialize.js';
export { RuleLiftCounter, type RuleSuggestion, type SuggestReport, suggestRuleChanges } from './suggest.js';
