/** Canary rollout: policies, evaluate, sticky assignment, and the prediction log behind the metrics. */

/** Prediction log → the metrics `evaluate` reads (exact quantiles, histograms, score summaries). */
export { type AggregateOptions, aggregatePredictions, latencyBounds, quantileOf } from './aggregate.ts';
/** Sticky assignment of units to the rollout and to A/B variants (`airlock-assign/v1`, docs/assignment.md). */
export {
  type Assignment,
  assign,
  assignmentAlgorithm,
  assignmentTestVectors,
  bucketCount,
  bucketOf,
  inRollout,
  parseVariantList,
  type Variant,
  variantOf,
} from './assign.ts';
/** The statistical tests behind canary-versus-baseline comparisons. */
export {
  binomialUpperTail,
  compareLatency,
  compareMeans,
  compareProportions,
  type Histogram,
  histogramQuantile,
  meanBelow,
  minimumSamplesForRate,
  type TestResult,
} from './compare.ts';
/** promote / hold / rollback for a stage, with one result per SLO and built-in trigger. */
export {
  type CheckResult,
  type CheckStatus,
  type Decision,
  type EvaluateInput,
  type Evaluation,
  evaluate,
} from './evaluate.ts';
/** The metrics window format (`airlock.rollout-metrics/v1`). */
export {
  type ArmMetrics,
  armMetricsSchema,
  type RolloutMetrics,
  rolloutMetricsFormat,
  rolloutMetricsSchema,
} from './metrics.ts';
export { rolloutMigrations } from './migrations.ts';
/** Rollout policy files (seed 004's shape). */
export {
  emergencyPolicy,
  loadRolloutPolicy,
  type RolloutPolicy,
  type RolloutStage,
  rolloutPolicySchema,
} from './policy.ts';
/** The prediction log in SQLite. */
export { createSqlitePredictionStore, type PredictionStore } from './prediction-store.ts';
/** One logged prediction: what the API and `rollout record` accept, and what is stored. */
export { type Prediction, type PredictionInput, predictionInputSchema, toPrediction } from './predictions.ts';
