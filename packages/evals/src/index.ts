/** The eval engine and gate. */

/** Assertion checks: the deterministic ones, negation, case verdicts. */
export {
  type AssertionInput,
  type AssertionServices,
  assertionLabel,
  caseVerdict,
  checkDeterministic,
  parseJsonOutput,
  type RawVerdict,
  runChecks,
} from './assertions.ts';
/** `model_baseline.json`: reading, writing, and making one from a run. */
export {
  type BaselineFile,
  baselineFileFromRun,
  baselineFileSchema,
  readBaselineFile,
  writeBaselineFile,
} from './baseline-file.ts';
/** Record/replay: cassettes of answers keyed by the request's hash. */
export {
  type CassetteEntry,
  createRecordingProvider,
  createReplayProvider,
  type RecordingProvider,
  readCassette,
  requestKey,
} from './cassette.ts';
/** Running a suite to the end: results streamed to disk, metrics, outcomes. */
export { type ExecutedRun, type ExecuteRunOptions, executeRun } from './execute-run.ts';
/** The gate: threshold, errors, budgets, and regression against a baseline. */
export {
  type Baseline,
  baselineFromRun,
  decideGate,
  defaultGatePolicy,
  type GateCheck,
  type GateCheckStatus,
  type GatePolicy,
  type GateResult,
} from './gate.ts';
export {
  type GateDecision,
  type GateReleaseSummary,
  type GateReport,
  type GateStage,
  type GateStep,
  gateCostLines,
  gateExitCodes,
  gateJunit,
  gateMarkdown,
  gateStages,
} from './gate-report.ts';
/** The HTML report: one self-contained page (no network) with the decision, metrics and every case. */
export {
  type GateHtmlInput,
  type GateStepView,
  gateHtmlReport,
  type HtmlReportInput,
  htmlReport,
} from './html-report.ts';
export { createJavascriptChecks, type JavascriptChecks } from './javascript-checks.ts';
/** Metrics over streamed results. */
export { createMetricsAccumulator, type MetricsAccumulator, quantile, summarizeLatency } from './metrics.ts';
export { evalsMigrations } from './migrations.ts';
/** Providers: the openai SDK (any OpenAI-compatible endpoint). */
export { createOpenAIProvider, type OpenAIProviderOptions } from './openai-provider.ts';
/** Paired comparison of two runs: is a drop real or noise? */
export {
  comparePaired,
  type PairedCase,
  type PairedComparison,
  type RegressionPolicy,
  type RegressionVerdict,
  regressionVerdict,
} from './paired-stats.ts';
export {
  isProviderError,
  type Provider,
  ProviderError,
  type ProviderErrorKind,
  retryAfterFrom,
} from './provider.ts';
/** Reports: JSON (versioned), Markdown for PRs, JUnit XML. */
export { type EvalReport, evalReport, junitReport, markdownReport } from './reports.ts';
/** The runner: bounded concurrency, retries, cache, repeats; results streamed as they finish. */
export {
  backoffDelay,
  caseMessages,
  type ResponseCache,
  type RetryOptions,
  type RunSuiteOptions,
  runSuite,
  selectCases,
} from './runner.ts';
/** Runs and the response cache in the project's SQLite store. */
export {
  createSqliteEvalRunStore,
  createSqliteResponseCache,
  type EvalRunStore,
  type RunFilter,
} from './store.ts';
/** Suite files (YAML, JSONL, or a dataset's rows). */
export {
  type LoadSuiteOptions,
  loadSuite,
  type SuiteFile,
  suiteDigest,
  suiteFileSchema,
  toModelParameters,
} from './suite-file.ts';
export * from './types.ts';
