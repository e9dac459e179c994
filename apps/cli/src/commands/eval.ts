import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { providerBaseUrl } from '@airlock/config';
import { AirlockError, ensureDirectory, newId, readYamlFile, writeFileAtomic } from '@airlock/core';
import { pinPathFor } from '@airlock/datasets';
import {
  type Baseline,
  baselineFileFromRun,
  baselineFromRun,
  type CaseResult,
  createOpenAIProvider,
  createRecordingProvider,
  createReplayProvider,
  createSqliteResponseCache,
  decideGate,
  defaultGatePolicy,
  type EvalReport,
  type EvalRun,
  evalReport,
  executeRun,
  type GatePolicy,
  type GateResult,
  htmlReport,
  junitReport,
  loadSuite,
  type ModelParameters,
  markdownReport,
  type Provider,
  type RecordingProvider,
  readBaselineFile,
  type StoredOutcome,
  toModelParameters,
  writeBaselineFile,
} from '@airlock/evals';
import {
  type FeatureManifest,
  featureManifestSchema,
  type PromptMessage,
  parseModelId,
  parsePromptRef,
} from '@airlock/registry';
import type { CommandDefinition, OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { formatTable } from '../table.ts';
import { priceTable } from './price-table.ts';
import { fraction, oneOf, positiveInteger } from './shared-options.ts';
import { requireEvalRun } from './stored-runs.ts';

const shown = (context: CommandContext, path: string) => relative(context.io.cwd, path) || path;

/** `features/<name>.yaml` under the project root, when the feature has one. */
function featureManifest(
  context: CommandContext,
  feature: string | undefined,
): { manifest: FeatureManifest; path: string } | undefined {
  if (feature === undefined) return undefined;
  const folder = join(context.config().root, 'features');
  const path = join(folder, `${feature}.yaml`);
  if (!existsSync(path)) {
    // With manifests in the project, a name that matches none is a typo, not a new feature.
    const known = existsSync(folder)
      ? readdirSync(folder)
          .filter((name) => name.endsWith('.yaml'))
          .map((name) => name.slice(0, -'.yaml'.length))
      : [];
    if (known.length > 0) {
      throw new AirlockError(
        'NOT_FOUND',
        `no feature manifest ${shown(context, path)} (features: ${known.join(', ')})`,
      );
    }
    return undefined;
  }
  return { manifest: readYamlFile(path, featureManifestSchema, shown(context, path)), path };
}

/** The provider for a model id's provider part, from airlock.yaml, with its key from the environment. */
function liveProvider(context: CommandContext, model: string, timeoutMs: number): Provider {
  const { provider: name } = parseModelId(model);
  const providers = context.config().providers;
  const settings = providers[name];
  if (!settings) {
    throw new AirlockError(
      'INVALID_INPUT',
      `no provider "${name}" in airlock.yaml (configured: ${Object.keys(providers).join(', ') || 'none'}); add it under providers:`,
    );
  }
  const apiKey = context.io.env[settings.apiKeyEnv];
  const baseURL = providerBaseUrl(settings, context.io.env);
  if (!apiKey) {
    throw new AirlockError(
      'PRECONDITION_FAILED',
      `${settings.apiKeyEnv} is not set: the ${name} provider needs an API key (or run from a cassette with --replay)`,
    );
  }
  return createOpenAIProvider({
    apiKey,
    timeoutMs,
    ...(baseURL ? { baseURL } : {}),
    // HTTP(S)_PROXY and NO_PROXY are honoured as curl does (none set: no proxy).
    proxyEnv: context.io.env,
  });
}

/** A dataset behind a suite must be exactly its pin; data drawn with `dataset:` must be pinned at all. */
async function checkDatasets(
  context: CommandContext,
  datasets: readonly { path: string; absolutePath: string }[],
  suiteFile: string,
): Promise<void> {
  for (const dataset of datasets) {
    const pin = pinPathFor(dataset.absolutePath);
    if (existsSync(pin)) {
      await context.datasets().requireUnchanged(pin, shown(context, pin));
    } else if (dataset.absolutePath !== resolve(context.io.cwd, suiteFile)) {
      throw new AirlockError(
        'PRECONDITION_FAILED',
        `${dataset.path} is not pinned, so this run could not be compared with the next; run airlock dataset pin ${dataset.path}`,
      );
    }
  }
}

/** A baseline: a stored run id, or a model_baseline.json file. */
function loadBaseline(context: CommandContext, reference: string): Baseline {
  const store = context.evalRuns();
  const run = store.getRun(reference);
  if (run) return baselineFromRun(run, store.outcomes(run.id));
  const path = resolve(context.io.cwd, reference);
  if (existsSync(path)) return readBaselineFile(path, reference);
  throw new AirlockError(
    'NOT_FOUND',
    `baseline ${reference}: neither a stored run id nor a file (see airlock eval list)`,
  );
}

function gatePolicy(
  options: OptionValues,
  manifest: FeatureManifest | undefined,
  suiteThreshold: number | undefined,
): GatePolicy {
  const policy: GatePolicy = { ...defaultGatePolicy };
  if (manifest) {
    policy.maxPassRateDrop = manifest.regression.max_pass_rate_drop;
    policy.maxP95LatencyIncreasePct = manifest.regression.max_p95_latency_increase_pct;
    policy.maxCostIncreasePct = manifest.regression.max_cost_increase_pct;
    policy.p95LatencyNoiseMs = manifest.regression.p95_latency_noise_ms;
    if (manifest.budgets.cost_per_call_usd_max !== undefined)
      policy.costPerCallUsdMax = manifest.budgets.cost_per_call_usd_max;
    if (manifest.budgets.p95_latency_ms_max !== undefined)
      policy.p95LatencyMsMax = manifest.budgets.p95_latency_ms_max;
  }
  if (suiteThreshold !== undefined) policy.threshold = suiteThreshold;
  if (options.threshold !== undefined) policy.threshold = fraction('threshold', options.threshold);
  if (options['max-drop'] !== undefined) policy.maxPassRateDrop = fraction('max-drop', options['max-drop']);
  if (options['max-errors'] !== undefined)
    policy.maxErrors = positiveIntegerOrZero('max-errors', options['max-errors']);
  if (options.policy !== undefined)
    policy.regressionPolicy = oneOf('policy', options.policy, ['point', 'significant'] as const);
  return policy;
}

function positiveIntegerOrZero(flag: string, value: unknown): number {
  return value === '0' ? 0 : positiveInteger(flag, value);
}

/** Refuses, before a run, report paths that could not be written after it (a folder, no parent). */
function checkOutputPaths(context: CommandContext, options: OptionValues): void {
  for (const flag of ['out', 'markdown', 'junit', 'html', 'record']) {
    const value = options[flag];
    if (typeof value !== 'string') continue;
    const path = resolve(context.io.cwd, value);
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new AirlockError('INVALID_INPUT', `--${flag} ${value} is a folder; give a file path`);
    }
    ensureDirectory(dirname(path));
  }
}

/** Every result line of a run (outputs, each check), when its results file is still there. */
export function resultLines(report: Pick<EvalReport, 'run'>): CaseResult[] {
  const file = report.run.resultsFile;
  if (file === undefined || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CaseResult);
}

/** Writes the report files a run or a comparison asked for. */
function writeReports(context: CommandContext, options: OptionValues, report: EvalReport): string[] {
  const written: string[] = [];
  const write = (flag: string, text: string) => {
    const value = options[flag];
    if (typeof value !== 'string') return;
    const path = resolve(context.io.cwd, value);
    ensureDirectory(dirname(path));
    writeFileAtomic(path, text);
    written.push(`${flag}: ${shown(context, path)}`);
  };
  write('out', `${JSON.stringify(report, null, 2)}\n`);
  write('markdown', markdownReport(report));
  write('junit', junitReport(report));
  if (typeof options.html === 'string') write('html', htmlReport({ report, results: resultLines(report) }));
  // In GitHub Actions the summary shows on the run's page.
  const summary = context.io.env.GITHUB_STEP_SUMMARY;
  if (summary) appendFileSync(summary, `${markdownReport(report)}\n`);
  return written;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function humanSummary(
  context: CommandContext,
  run: EvalRun,
  outcomes: readonly StoredOutcome[],
  gate: GateResult,
): string[] {
  const { green, red, yellow, bold, dim } = context.output;
  const m = run.metrics;
  const lines: string[] = [];
  const failing = outcomes.filter((outcome) => outcome.passFraction < 1);
  for (const outcome of failing.slice(0, 20)) {
    const mark = outcome.errors > 0 ? yellow('!') : red('✗');
    lines.push(`${mark} ${outcome.caseId}: ${outcome.detail ?? ''}`);
  }
  if (failing.length > 20)
    lines.push(dim(`… and ${failing.length - 20} more failing cases (see --out or --markdown)`));
  if (failing.length > 0) lines.push('');
  const latency = m.latencyMs ? ` · p95 ${Math.round(m.latencyMs.p95)} ms` : '';
  const cost = m.cost
    ? ` · $${m.cost.per1kRequestsUsd.toFixed(4)} per 1k requests`
    : ' · cost unknown (no price)';
  const weighted = outcomes.some((outcome) => outcome.weight !== 1);
  lines.push(
    `pass rate ${bold(percent(m.passRate))}${weighted ? ' weighted' : ''} (${m.passed}/${m.results} ${m.repeats > 1 ? 'results' : 'cases'} passed) · checks ${m.checksPassed}/${m.checksTotal} (${percent(m.checkPassRate)}) · errors ${m.errors}${latency}${cost}${m.cachedResults > 0 ? ` · ${m.cachedResults} from cache` : ''}`,
  );
  if (m.repeats > 1) lines.push(`pass^${m.repeats} (passed every repetition): ${percent(m.passAllRepeats)}`);
  lines.push(gate.decision === 'pass' ? green(bold('gate: PASS')) : red(bold('gate: BLOCKED')));
  const marks = { pass: green('✓'), fail: red('✗'), warn: yellow('!'), skipped: dim('-') } as const;
  for (const check of gate.checks) lines.push(`  ${marks[check.status]} ${check.id}: ${check.summary}`);
  return lines;
}

const reportOptions = {
  out: {
    type: 'string',
    valueName: 'file',
    description: 'write the JSON report (schema airlock.eval-report/v1)',
  },
  markdown: {
    type: 'string',
    valueName: 'file',
    description: 'write the Markdown summary (for a PR comment)',
  },
  junit: { type: 'string', valueName: 'file', description: 'write JUnit XML (one testcase per case)' },
  html: {
    type: 'string',
    valueName: 'file',
    description:
      'write a self-contained HTML report (decision, metrics, histogram, every case with its output)',
  },
} as const;

const gateOptions = {
  threshold: {
    type: 'string',
    valueName: 'rate',
    description: 'minimum pass rate, 0–1 (default 0.85, or the manifest’s)',
  },
  'max-drop': {
    type: 'string',
    valueName: 'rate',
    description: 'largest pass-rate drop against the baseline (default 0.02)',
  },
  'max-errors': { type: 'string', valueName: 'n', description: 'provider errors allowed (default 0)' },
  policy: {
    type: 'string',
    valueName: 'point|significant',
    description:
      'significant (default): only a drop beyond the limit that is not noise blocks; point: any drop beyond it',
  },
} as const;

/** How a suite runs, for `eval run` and for each suite of `gate`. */
export const suiteRunOptions = {
  concurrency: { type: 'string', valueName: 'n', description: 'calls in flight per suite (default 8)' },
  repeat: {
    type: 'string',
    valueName: 'n',
    description:
      'run each case n times (pass fraction, pass^n; the power to see a drop in a small suite); bypasses the cache',
  },
  replay: { type: 'string', valueName: 'cassette', description: 'answer from a cassette; no provider call' },
} as const;

/** What one suite's run produced: the stored run (with its gate decision), outcomes and report. */
export interface SuiteExecution {
  run: EvalRun;
  outcomes: StoredOutcome[];
  gate: GateResult;
  report: EvalReport;
  resultsFile: string;
}

/**
 * Runs one suite the way `airlock eval run` does — the manifest's model, prompt and limits with
 * --feature, datasets checked against their pins first, a provider or a cassette, results
 * streamed to .airlock/runs/, the gate decided and the run stored — and returns what it produced.
 * The release gate (`airlock gate`) runs each suite of a stage through this.
 */
export async function executeSuite(
  context: CommandContext,
  options: OptionValues,
  suitePath: string,
  /** The manifest already read (the gate's, maybe a candidate's); else --feature's, looked up. */
  manifestFile?: { manifest: FeatureManifest; path: string },
): Promise<SuiteExecution> {
  const feature = typeof options.feature === 'string' ? options.feature : undefined;
  manifestFile ??= featureManifest(context, feature);
  const manifest = manifestFile?.manifest;
  const suite = loadSuite(suitePath, { cwd: context.io.cwd });
  await checkDatasets(context, suite.datasets, suitePath);

  const model =
    (typeof options.model === 'string' ? options.model : undefined) ?? manifest?.model ?? suite.model;
  if (!model)
    throw new AirlockError(
      'INVALID_INPUT',
      `${suite.file}: no model; give the suite a model, or --model, or --feature with a manifest`,
    );
  const promptRef = (typeof options.prompt === 'string' ? options.prompt : undefined) ?? manifest?.prompt;
  let prompt: EvalRunPrompt | undefined;
  if (promptRef) {
    const { name, version } = parsePromptRef(promptRef);
    const found = await context.registry().getPrompt(name, { version });
    prompt = {
      ref: `${name}@${found.version}`,
      messages: found.messages,
      parameters: toModelParameters(found.parameters),
    };
  }
  const suiteEntry = manifest?.eval_suites.find(
    (entry) => resolve(context.config().root, entry.path) === resolve(context.io.cwd, suitePath),
  );
  const policy = gatePolicy(options, manifest, suiteEntry?.threshold);
  const baseline = typeof options.baseline === 'string' ? loadBaseline(context, options.baseline) : undefined;

  const timeoutMs = options.timeout === undefined ? 60_000 : positiveInteger('timeout', options.timeout);
  let provider: Provider;
  let recording: RecordingProvider | undefined;
  if (typeof options.replay === 'string') {
    provider = createReplayProvider(resolve(context.io.cwd, options.replay), options.replay);
  } else {
    provider = liveProvider(context, model, timeoutMs);
    if (typeof options.record === 'string') {
      recording = createRecordingProvider(provider, resolve(context.io.cwd, options.record), options.record);
      provider = recording;
    }
  }
  const runId = newId('run');
  const runsDir = join(dirname(context.config().storePath), 'runs');
  ensureDirectory(runsDir);
  const resultsFile = join(runsDir, `${runId}.jsonl`);
  const repeat = options.repeat === undefined ? 1 : positiveInteger('repeat', options.repeat);
  const concurrency =
    options.concurrency === undefined ? 8 : positiveInteger('concurrency', options.concurrency);
  const tags =
    typeof options.tags === 'string'
      ? options.tags
          .split(',')
          .map((tag) => tag.trim())
          .filter(Boolean)
      : undefined;
  const price = priceTable(context, {}).lookup(model);
  if (!price)
    context.output.note(
      `no price for ${model}: cost per call will be unknown (add it to the price overrides)`,
    );

  const stop = new AbortController();
  void context.io.waitForShutdown().then(() => {
    if (!stop.signal.aborted)
      context.output.note('\nstopping: calls in flight are cancelled, finished results are kept');
    stop.abort();
  });
  context.output.note(
    `${suite.name} · ${model}${prompt ? ` · ${prompt.ref}` : ''} · ${provider.description}`,
  );
  let progress: ReturnType<typeof context.output.progress> | undefined;
  const executed = await executeRun(suite, {
    provider,
    model,
    runId,
    ...(prompt ? { prompt: prompt.messages, promptRef: prompt.ref, parameters: prompt.parameters } : {}),
    ...(feature === undefined ? {} : { feature }),
    ...(typeof options.release === 'string' ? { release: options.release } : {}),
    ...(price ? { price } : {}),
    // A cassette must hold (or serve) every answer itself: no response cache in between.
    ...(options['no-cache'] === true || options.record !== undefined || options.replay !== undefined
      ? {}
      : { cache: createSqliteResponseCache(context.store()) }),
    ...(tags ? { tags } : {}),
    concurrency,
    repeat,
    resultsFile,
    signal: stop.signal,
    onResult: (_result, { done, total }) => {
      progress ??= context.output.progress('evaluating', total);
      progress.set(done);
      if (done === total) progress.done();
    },
  });
  recording?.save();
  const { outcomes } = executed;
  const gate = decideGate(executed.run, outcomes, policy, baseline);
  const run = { ...executed.run, gate };
  context.evalRuns().saveRun(run, outcomes);
  const report = evalReport(run, outcomes, gate, baseline);
  return { run, outcomes, gate, report, resultsFile };
}

export const evalRunCommand: CommandDefinition = {
  words: ['eval', 'run'],
  summary: 'run an eval suite against the model and gate on pass rate and regression',
  description:
    'Exit 0 pass, 1 blocked, 2 could not run (bad suite, dataset changed since its pin, no API key),\n' +
    '4 provider unreachable. Results stream to .airlock/runs/<run>.jsonl; the run is stored for\n' +
    'later comparison. Ctrl-C stops cleanly and keeps what finished.',
  options: {
    feature: {
      type: 'string',
      valueName: 'name',
      description: 'the feature; features/<name>.yaml supplies model, prompt, limits',
    },
    model: {
      type: 'string',
      valueName: 'provider/model',
      description: 'the pinned model (default: the manifest’s, else the suite’s)',
    },
    prompt: {
      type: 'string',
      valueName: 'name@version',
      description: 'a registry prompt version (default: the manifest’s, else the suite’s)',
    },
    baseline: {
      type: 'string',
      valueName: 'run|file',
      description: 'compare with a stored run id or a model_baseline.json',
    },
    tags: { type: 'string', valueName: 'a,b', description: 'only cases with one of these tags (e.g. smoke)' },
    concurrency: suiteRunOptions.concurrency,
    repeat: suiteRunOptions.repeat,
    timeout: { type: 'string', valueName: 'ms', description: 'per-call time limit (default 60000)' },
    'no-cache': { type: 'boolean', description: 'call the provider even for requests answered before' },
    record: {
      type: 'string',
      valueName: 'cassette',
      description: 'record every answer to a cassette (JSONL)',
    },
    replay: suiteRunOptions.replay,
    ...gateOptions,
    ...reportOptions,
  },
  positionals: [{ name: 'suite', description: 'a suite file (YAML or JSONL)', required: true }],
  examples: [
    {
      command: 'airlock eval run evals/smoke.yaml --feature support-bot',
      description: 'gate with the manifest’s model, prompt and limits',
    },
    {
      command:
        'airlock eval run evals/full.yaml --baseline model_baseline.json --markdown eval.md --junit eval.xml',
      description: 'regression against a baseline, reports for CI',
    },
    {
      command: 'airlock eval run evals/smoke.yaml --replay evals/smoke.cassette.jsonl',
      description: 'deterministic CI from recorded answers',
    },
  ],
  async run(context, options, [suitePath]) {
    if (options.record !== undefined && options.replay !== undefined) {
      throw new AirlockError('INVALID_INPUT', '--record and --replay cannot be used together');
    }
    checkOutputPaths(context, options);
    const { run, outcomes, gate, report, resultsFile } = await executeSuite(
      context,
      options,
      suitePath as string,
    );
    const written = writeReports(context, options, report);
    context.output.result(report, () => [
      ...humanSummary(context, run, outcomes, gate),
      context.output.dim(
        `run ${run.id} · results ${shown(context, resultsFile)}${written.length ? ` · ${written.join(' · ')}` : ''}`,
      ),
    ]);
    return gate.decision === 'pass' ? 0 : 1;
  },
};

interface EvalRunPrompt {
  ref: string;
  messages: PromptMessage[];
  parameters: ModelParameters;
}

export const evalCompareCommand: CommandDefinition = {
  words: ['eval', 'compare'],
  summary: 'compare two runs case by case: is the difference real or noise?',
  description:
    'Exit 1 when the candidate regresses beyond the limits (the threshold is not applied unless given).',
  options: { ...gateOptions, ...reportOptions },
  positionals: [
    { name: 'baseline', description: 'the baseline run id (or a model_baseline.json)', required: true },
    { name: 'candidate', description: 'the candidate run id', required: true },
  ],
  examples: [
    {
      command: 'airlock eval compare run_01J… run_01K…',
      description: 'Baseline / Candidate / Delta, paired',
    },
  ],
  async run(context, options, [baselineRef, candidateId]) {
    const baseline = loadBaseline(context, baselineRef as string);
    const { run, outcomes } = requireEvalRun(context, candidateId as string);
    const policy = gatePolicy({ ...options, threshold: options.threshold ?? '0' }, undefined, undefined);
    const gate = decideGate(run, outcomes, policy, baseline);
    const report = evalReport(run, outcomes, gate, baseline);
    writeReports(context, options, report);
    context.output.result(report, () => markdownReport(report).trimEnd().split('\n'));
    return gate.decision === 'pass' ? 0 : 1;
  },
};

export const evalListCommand: CommandDefinition = {
  words: ['eval', 'list'],
  summary: 'stored eval runs, newest first',
  options: {
    feature: { type: 'string', valueName: 'name', description: 'only this feature’s runs' },
    limit: { type: 'string', valueName: 'n', description: 'how many (default 20)' },
  },
  positionals: [],
  examples: [
    { command: 'airlock eval list --feature support-bot', description: 'the feature’s recent runs' },
  ],
  async run(context, options) {
    const runs = context.evalRuns().listRuns({
      ...(typeof options.feature === 'string' ? { feature: options.feature } : {}),
      limit: options.limit === undefined ? 20 : positiveInteger('limit', options.limit),
    });
    context.output.result({ runs }, () =>
      runs.length === 0
        ? ['no eval runs yet (airlock eval run <suite>)']
        : formatTable(
            ['run', 'feature', 'suite', 'model', 'cases', 'pass rate', 'errors', 'gate', 'started'],
            runs.map((run) => [
              run.id,
              run.feature ?? '-',
              run.suite.name,
              run.model,
              run.interrupted
                ? `${run.metrics.cases}/${run.suite.cases} (stopped)`
                : String(run.metrics.cases),
              percent(run.metrics.passRate),
              String(run.metrics.errors),
              run.gate?.decision ?? '-',
              run.startedAt.slice(0, 19).replace('T', ' '),
            ]),
          ),
    );
    return 0;
  },
};

export const evalShowCommand: CommandDefinition = {
  words: ['eval', 'show'],
  summary: 'one stored run: its metrics and failing cases (and its reports, on request)',
  options: { ...reportOptions },
  positionals: [{ name: 'run', description: 'the run id', required: true }],
  examples: [
    { command: 'airlock eval show run_01J… --junit eval.xml', description: 'reports from a stored run' },
  ],
  async run(context, options, [id]) {
    const { run, outcomes } = requireEvalRun(context, id as string);
    const report = evalReport(run, outcomes, run.gate);
    writeReports(context, options, report);
    context.output.result(report, () => markdownReport(report).trimEnd().split('\n'));
    return 0;
  },
};

const baselineFileOption = {
  file: {
    type: 'string',
    valueName: 'path',
    description: 'the baseline file (default: model_baseline.json in the project root)',
  },
} as const;

const baselinePath = (context: CommandContext, options: OptionValues) =>
  typeof options.file === 'string'
    ? resolve(context.io.cwd, options.file)
    : join(context.config().root, 'model_baseline.json');

export const evalBaselineSetCommand: CommandDefinition = {
  words: ['eval', 'baseline', 'set'],
  summary: 'write model_baseline.json from a stored run (commit it; later runs compare with it)',
  options: {
    ...baselineFileOption,
    force: { type: 'boolean', description: 'accept a run that was stopped early or had provider errors' },
  },
  positionals: [{ name: 'run', description: 'the run id', required: true }],
  examples: [{ command: 'airlock eval baseline set run_01J…', description: 'writes model_baseline.json' }],
  async run(context, options, [id]) {
    const { run, outcomes } = requireEvalRun(context, id as string);
    if ((run.interrupted || run.metrics.errors > 0) && options.force !== true) {
      // Such a baseline is too easy to beat: every later comparison would be meaningless.
      throw new AirlockError(
        'PRECONDITION_FAILED',
        `run ${run.id} ${run.interrupted ? `was stopped early (${run.metrics.cases} of ${run.suite.cases} cases)` : `had ${run.metrics.errors} provider errors`}; a baseline should be a complete, clean run (--force to use it anyway)`,
      );
    }
    const path = baselinePath(context, options);
    const file = baselineFileFromRun(run, outcomes);
    ensureDirectory(dirname(path));
    writeBaselineFile(path, file);
    context.output.result({ file: shown(context, path), baseline: file }, () => [
      `wrote ${shown(context, path)}: run ${run.id}, pass rate ${percent(run.metrics.passRate)} over ${run.metrics.cases} cases`,
    ]);
    return 0;
  },
};

export const evalBaselineShowCommand: CommandDefinition = {
  words: ['eval', 'baseline', 'show'],
  summary: 'the baseline a run is compared with',
  options: { ...baselineFileOption },
  positionals: [],
  examples: [
    { command: 'airlock eval baseline show', description: 'model_baseline.json in the project root' },
  ],
  async run(context, options) {
    const path = baselinePath(context, options);
    const baseline = readBaselineFile(path, shown(context, path));
    const m = baseline.metrics;
    context.output.result(baseline, () => [
      `${shown(context, path)}${baseline.runId ? ` (run ${baseline.runId})` : ''}${baseline.model ? ` · ${baseline.model}` : ''}${baseline.prompt ? ` · ${baseline.prompt}` : ''}`,
      `pass rate ${percent(m.passRate)} over ${baseline.outcomes.length} cases${m.p95LatencyMs === undefined ? '' : ` · p95 ${Math.round(m.p95LatencyMs)} ms`}${m.costPer1kUsd === undefined ? '' : ` · $${m.costPer1kUsd.toFixed(4)} per 1k requests`}`,
      ...Object.entries(m.slices).map(
        ([tag, slice]) => `  ${tag}: ${percent(slice.passRate)} over ${slice.cases} cases`,
      ),
    ]);
    return 0;
  },
};
