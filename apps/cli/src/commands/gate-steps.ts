// The steps of `airlock gate`, each a function of what the gate knows so far. A step returns its
// status and one summary sentence; it throws only when the gate cannot go on (the runner in
// gate.ts turns that into "could not run", or "halted").
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { AirlockError, isAirlockError, yamlPositionOf } from '@airlock/core';
import { type CostConfig, diffCosts } from '@airlock/cost';
import { pinPathFor, validateRows } from '@airlock/datasets';
import type { Deployment, StateKey } from '@airlock/deploy-state';
import type { GateCheck, GateReport, GateStage, GateStep } from '@airlock/evals';
import { type FeatureManifest, lintManifest, type ManifestSources } from '@airlock/registry';
import type { OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { readRowSchema, readRows } from './dataset.ts';
import { datasetPinCheck } from './dataset-pin-check.ts';
import { executeSuite, type SuiteExecution } from './eval.ts';
import { priceTable } from './price-table.ts';

export type StepOutcome = Pick<GateStep, 'status' | 'summary' | 'details'>;

/** What every step may read: the manifest, the environment and what runs there. */
export interface GateRun {
  context: CommandContext;
  options: OptionValues;
  feature: string;
  stage: GateStage;
  /** The manifest as the user named it, and its absolute path. */
  manifestShown: string;
  manifestPath: string;
  sources: ManifestSources;
  key: StateKey;
  deployed: Deployment | null;
  /** The deployed release's staging runs, by the manifest's suite name (see deployedRunsOf). */
  deployedRuns: Record<string, string>;
  candidateId: string;
}

const shown = (context: CommandContext, path: string) => relative(context.io.cwd, path) || path;
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** Manifest and policy lint, against the release deploy state says is running. */
export async function lintStep(run: GateRun): Promise<StepOutcome> {
  const { context, sources, deployed } = run;
  const model = deployed?.release.model;
  const prompt = deployed?.release.prompt;
  const report = await lintManifest(context.registry(), sources, {
    day: new Date().toISOString().slice(0, 10),
    emergency: run.stage === 'emergency',
    checkDatasetPin: datasetPinCheck(context),
    ...(deployed && model !== undefined && prompt !== undefined
      ? {
          previous: {
            model,
            prompt: `${prompt.name}@${prompt.version}`,
            file: `${run.key.environment} deploy state (#${deployed.seq} ${deployed.release.id})`,
          },
        }
      : {}),
  });
  // A suite that cannot be read is not a verdict on the release: the gate could not run (exit 2).
  const unreadable = [
    ...sources.suites.flatMap((suite) => suite.issues),
    // A baseline, row schema or rollout policy that is not there: nothing to judge against.
    ...sources.missing.map((missing) => ({
      file: sources.file,
      ...yamlPositionOf(sources.text, missing.path),
      message: `${missing.file} does not exist`,
    })),
  ];
  if (unreadable.length > 0) {
    throw new AirlockError(
      'INVALID_INPUT',
      `${unreadable.length} file${unreadable.length === 1 ? '' : 's'} the manifest names could not be read`,
      { issues: unreadable },
    );
  }
  const details = report.findings.map(
    (finding) =>
      `${finding.severity}: ${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.check}]`,
  );
  const passed = report.checks.filter((check) => check.status === 'pass').length;
  const skipped = report.checks.filter((check) => check.status === 'skipped').map((check) => check.check);
  const errors = report.findings.filter((finding) => finding.severity === 'error').length;
  const against = deployed ? `against ${deployed.release.id}` : `nothing deployed in ${run.key.environment}`;
  if (!report.ok) {
    return {
      status: 'fail',
      summary: `${errors} problem${errors === 1 ? '' : 's'} in ${run.manifestShown} or the files it names (${against})`,
      details,
    };
  }
  return {
    status: report.findings.length > 0 ? 'warn' : 'pass',
    summary: `${passed} checks passed${skipped.length > 0 ? `, ${skipped.length} skipped (${skipped.join(', ')})` : ''} (${against})${report.emergencyUsed ? '; prompt and model both change: allowed on the emergency path' : ''}`,
    details,
  };
}

/** Every dataset exactly its pin (could not run otherwise), then its rows valid against its schema. */
export async function datasetsStep(run: GateRun): Promise<StepOutcome> {
  const { context } = run;
  const root = context.config().root;
  const datasets = run.sources.manifest.datasets;
  if (datasets.length === 0)
    return { status: 'skipped', summary: 'the manifest names no datasets', details: [] };
  const lines: string[] = [];
  const details: string[] = [];
  for (const dataset of datasets) {
    const path = resolve(root, dataset.path);
    const pinFile = pinPathFor(path);
    if (!existsSync(pinFile)) {
      throw new AirlockError(
        'PRECONDITION_FAILED',
        `${shown(context, path)} is not pinned: a gate compares runs on pinned data only (airlock dataset pin ${dataset.path})`,
      );
    }
    // A dataset changed since its pin: the gate could not run (exit 2), naming the file.
    const pin = await context.datasets().requireUnchanged(pinFile, shown(context, pinFile));
    if (dataset.schema === undefined) {
      lines.push(`${dataset.name}@${pin.sha256.slice(0, 12)} as pinned (no schema to validate against)`);
      continue;
    }
    const schema = readRowSchema(
      resolve(root, dataset.schema),
      shown(context, resolve(root, dataset.schema)),
    );
    const { full, rows } = readRows(context, path);
    const reference =
      dataset.reference === undefined ? undefined : readRows(context, resolve(root, dataset.reference)).rows;
    const report = validateRows(rows, schema, {
      fromCsv: full.endsWith('.csv'),
      ...(reference ? { reference } : {}),
    });
    const name = shown(context, full);
    for (const violation of report.violations) {
      details.push(
        `${name}:${violation.line}:${violation.column ?? 1}: ${violation.message} [${violation.kind}]`,
      );
    }
    if (report.drift && !report.drift.ok) {
      details.push(
        `${name}: label drift ${report.drift.distance.toFixed(4)} (Jensen–Shannon distance) over the limit ${report.drift.limit}`,
      );
    }
    lines.push(
      report.ok
        ? `${dataset.name}@${pin.sha256.slice(0, 12)} as pinned, ${report.rows} rows valid`
        : `${dataset.name}: ${report.violations.length} violation(s)${report.drift && !report.drift.ok ? ', label drift over the limit' : ''}`,
    );
  }
  return { status: details.length > 0 ? 'fail' : 'pass', summary: lines.join('; '), details };
}

/** The manifest's suites for a stage (canary has none: it judges live traffic instead). */
export function suitesFor(manifest: FeatureManifest, stage: GateStage): FeatureManifest['eval_suites'] {
  return manifest.eval_suites.filter((suite) => suite.stages.includes(stage));
}

/**
 * The runs that let the deployed release through its staging gate, by the manifest's suite name
 * (the `gate.pass` audit entry keeps them) — not whatever ran last under its id: a failing pull
 * request's run must not become the bar. Read once per gate.
 */
export async function deployedRunsOf(
  context: CommandContext,
  feature: string,
  deployed: Deployment | null,
): Promise<Record<string, string>> {
  if (!deployed) return {};
  const passes = await context.registry().auditLog({ subject: feature, action: 'gate.pass' });
  const pass = passes
    .filter((entry) => (entry.details as { release?: string }).release === deployed.release.id)
    .at(-1);
  return (pass?.details as { runs?: Record<string, string> } | undefined)?.runs ?? {};
}

/** What a suite is compared with: its run behind the deployed release, else the manifest's baseline file. */
export function baselineFor(run: GateRun, suite: FeatureManifest['eval_suites'][number]): string | undefined {
  const { context } = run;
  const id = run.deployedRuns[suite.name];
  const stored = id === undefined ? undefined : context.evalRuns().getRun(id);
  if (stored && !stored.interrupted) return stored.id;
  if (suite.baseline !== undefined) return shown(context, resolve(context.config().root, suite.baseline));
  return undefined;
}

/** The checks that compare with a baseline; the rest (threshold, errors, budgets) judge the suite alone. */
export const isRegressionCheck = (check: GateCheck) =>
  ['regression', 'p95-latency', 'cost', 'same-suite'].includes(check.id) || check.id.startsWith('slice:');

/** Runs one suite the way `eval run --feature` does, with the candidate manifest and its baseline. */
export async function runSuite(
  run: GateRun,
  suite: FeatureManifest['eval_suites'][number],
): Promise<{ outcome: StepOutcome; execution: SuiteExecution }> {
  const { context, options } = run;
  const baseline = baselineFor(run, suite);
  // The gate's own flags that shape a run pass through as `eval run` takes them.
  const passed = Object.fromEntries(
    ['replay', 'concurrency', 'repeat', 'policy'].flatMap((flag) =>
      typeof options[flag] === 'string' ? [[flag, options[flag]]] : [],
    ),
  );
  const execution = await executeSuite(
    context,
    {
      ...passed,
      feature: run.feature,
      release: run.candidateId,
      ...(baseline === undefined ? {} : { baseline }),
      ...(suite.tags ? { tags: suite.tags.join(',') } : {}),
    },
    resolve(context.config().root, suite.path),
    { manifest: run.sources.manifest, path: run.manifestPath },
  );
  const { gate, run: evalRun } = execution;
  const m = evalRun.metrics;
  const own = gate.checks.filter((check) => !isRegressionCheck(check));
  const failed = own.filter((check) => check.status === 'fail');
  const latency = m.latencyMs ? ` · p95 ${Math.round(m.latencyMs.p95)} ms` : '';
  const cost = m.cost ? ` · $${m.cost.per1kRequestsUsd.toFixed(4)} / 1k requests` : '';
  return {
    execution,
    outcome: {
      status: failed.length > 0 ? 'fail' : own.some((check) => check.status === 'warn') ? 'warn' : 'pass',
      summary: `${m.passed}/${m.results} passed (${percent(m.passRate)}, threshold ${percent(gate.policy.threshold)})${m.errors > 0 ? ` · ${m.errors} errors` : ''}${latency}${cost} · run ${evalRun.id}`,
      details: [
        ...failed.map((check) => `${check.id}: ${check.summary}`),
        ...execution.outcomes
          .filter((outcome) => outcome.passFraction < 1)
          .map((outcome) => `case ${outcome.caseId}: ${outcome.detail ?? 'failed'}`),
      ],
    },
  };
}

/** The regression checks of every suite, together: quality, latency, cost and slices against the baselines. */
export function regressionStep(
  executions: readonly { name: string; execution: SuiteExecution }[],
  stage: GateStage,
): StepOutcome {
  const compared = executions.filter(({ execution }) => execution.gate.baseline !== undefined);
  if (compared.length === 0) {
    return {
      status: 'skipped',
      summary:
        executions.length === 0
          ? 'no suites ran'
          : 'no baseline: nothing deployed with stored runs, and no baseline file in the manifest',
      details: [],
    };
  }
  const details: string[] = [];
  const parts: string[] = [];
  let failed = false;
  let warned = false;
  for (const { name, execution } of compared) {
    const { gate } = execution;
    const checks = gate.checks.filter(isRegressionCheck);
    // An emergency fix is judged on quality; a cost or latency rise is reported, not blocking.
    const tolerated = (check: GateCheck) =>
      stage === 'emergency' && (check.id === 'cost' || check.id === 'p95-latency');
    const bad = checks.filter((check) => check.status === 'fail' && !tolerated(check));
    for (const check of checks.filter((check) => check.status === 'fail' && tolerated(check))) {
      warned = true;
      details.push(`${name} ${check.id} (allowed on the emergency path): ${check.summary}`);
    }
    if (bad.length > 0) failed = true;
    if (checks.some((check) => check.status === 'warn')) warned = true;
    // Each failed check with its numbers goes to the details (warnings stay in the suite's report).
    for (const check of bad) details.push(`${name} ${check.id}: ${check.summary}`);
    const paired = gate.comparison;
    const quality = paired
      ? `${percent(paired.baselineRate)} → ${percent(paired.candidateRate)} on ${paired.pairs} paired cases (${paired.regressed} regressed, ${paired.improved} improved, p = ${paired.pValue.toFixed(3)})`
      : 'pass rate compared on totals only';
    parts.push(
      `${name}: ${quality}${bad.length > 0 ? ` — ${bad.map((check) => check.id).join(', ')} failed` : ''}${gate.underpowered ? ', underpowered' : ''}`,
    );
  }
  const missing = executions.length - compared.length;
  return {
    status: failed ? 'fail' : warned ? 'warn' : 'pass',
    summary: `${parts.join('; ')}${missing > 0 ? `; ${missing} suite(s) had no baseline` : ''}`,
    details,
  };
}

/** The price change against the deployed release, for the token shape this gate measured. */
export function costStep(
  run: GateRun,
  executions: readonly { execution: SuiteExecution }[],
): { outcome: StepOutcome; cost: GateReport['cost'] } {
  const { context, deployed } = run;
  const manifest = run.sources.manifest;
  const results = executions.reduce((sum, { execution }) => sum + execution.run.metrics.results, 0);
  if (results === 0) {
    return {
      outcome: { status: 'skipped', summary: 'no suite ran, so no token shape', details: [] },
      cost: null,
    };
  }
  const inputTokens =
    executions.reduce((sum, { execution }) => sum + execution.run.metrics.tokens.input, 0) / results;
  const outputTokens =
    executions.reduce((sum, { execution }) => sum + execution.run.metrics.tokens.output, 0) / results;
  const prices = priceTable(context, {});
  const config = (label: string, model: string, fallback?: string): CostConfig | undefined => {
    const entry = prices.lookup(model);
    if (!entry) return undefined;
    const fallbackEntry = fallback === undefined ? undefined : prices.lookup(fallback);
    return { label, model: entry, ...(fallbackEntry ? { fallback: fallbackEntry, fallbackShare: 0 } : {}) };
  };
  const candidate = config('candidate', manifest.model, manifest.fallback_model);
  if (!candidate) {
    return {
      outcome: {
        status: 'skipped',
        summary: `no price for ${manifest.model} (add it to the price overrides)`,
        details: [],
      },
      cost: null,
    };
  }
  const baseline =
    deployed?.release.model === undefined
      ? undefined
      : config('deployed', deployed.release.model, deployed.release.fallbackModel);
  const monthly = manifest.traffic?.requests_per_month;
  const request = { inputTokens, outputTokens };
  // The deployed release is priced for its own token shape when its runs were the baselines (a
  // longer prompt costs more on the same model), else for the candidate's.
  const baselineRuns = executions
    .map(({ execution }) => execution.gate.baseline?.runId)
    .flatMap((id) => (id === undefined ? [] : [context.evalRuns().getRun(id)]))
    .filter((stored) => stored !== undefined && stored.metrics.results > 0);
  const baselineResults = baselineRuns.reduce((sum, stored) => sum + (stored?.metrics.results ?? 0), 0);
  const baselineRequest =
    baselineResults === 0
      ? request
      : {
          inputTokens:
            baselineRuns.reduce((sum, stored) => sum + (stored?.metrics.tokens.input ?? 0), 0) /
            baselineResults,
          outputTokens:
            baselineRuns.reduce((sum, stored) => sum + (stored?.metrics.tokens.output ?? 0), 0) /
            baselineResults,
        };
  // Both shapes over the same suites: those whose baseline is a stored run.
  const paired = executions.filter(({ execution }) => execution.gate.baseline?.runId !== undefined);
  const pairedResults = paired.reduce((sum, { execution }) => sum + execution.run.metrics.results, 0);
  const candidateRequest =
    baselineResults === 0 || pairedResults === 0
      ? request
      : {
          inputTokens:
            paired.reduce((sum, { execution }) => sum + execution.run.metrics.tokens.input, 0) /
            pairedResults,
          outputTokens:
            paired.reduce((sum, { execution }) => sum + execution.run.metrics.tokens.output, 0) /
            pairedResults,
        };
  const diff = diffCosts(candidate, candidate, request, monthly ?? 0);
  const comparable = diffCosts(candidate, candidate, candidateRequest, 0).candidate;
  const before = baseline ? diffCosts(baseline, baseline, baselineRequest, monthly ?? 0).baseline : undefined;
  const cost: NonNullable<GateReport['cost']> = {
    baselineModel: before ? before.model : null,
    candidateModel: diff.candidate.model,
    baselinePerRequestUsd: before ? before.perRequest : null,
    candidatePerRequestUsd: diff.candidate.perRequest,
    requestsPerMonth: monthly ?? null,
    baselinePerMonthUsd: before && monthly !== undefined ? before.perMonth : null,
    candidatePerMonthUsd: monthly === undefined ? null : diff.candidate.perMonth,
    percentChange:
      before && before.perRequest > 0
        ? ((comparable.perRequest - before.perRequest) / before.perRequest) * 100
        : null,
    inputTokens,
    outputTokens,
    pricesNote: baseline ? diffCosts(baseline, candidate, request, 0).pricesNote : diff.pricesNote,
  };
  const details: string[] = [];
  const warnings: string[] = [];
  const limit = manifest.regression.max_cost_increase_pct;
  if (cost.percentChange !== null && cost.percentChange > limit) {
    // An emergency fix is judged on quality; what it costs is reported, not blocking.
    (run.stage === 'emergency' ? warnings : details).push(
      `the cost per request rises ${cost.percentChange.toFixed(1)}% against ${deployed?.release.id}, over the +${limit}% limit${run.stage === 'emergency' ? ' (allowed on the emergency path)' : ''}`,
    );
  }
  const budget = manifest.budgets.monthly_usd_max;
  if (budget !== undefined && cost.candidatePerMonthUsd !== null && cost.candidatePerMonthUsd > budget) {
    details.push(
      `$${cost.candidatePerMonthUsd.toFixed(2)} a month at ${monthly?.toLocaleString('en-US')} requests is over the monthly_usd_max budget of $${budget}`,
    );
  }
  const per = `$${cost.candidatePerRequestUsd.toFixed(6)} / request`;
  const month =
    cost.candidatePerMonthUsd === null ? '' : `, $${cost.candidatePerMonthUsd.toFixed(2)} / month`;
  const against =
    cost.baselinePerRequestUsd === null
      ? deployed
        ? ` (no price for the deployed ${deployed.release.model})`
        : ` (nothing deployed in ${run.key.environment} to compare with)`
      : ` (${cost.percentChange === null ? 'no change' : `${cost.percentChange > 0 ? '+' : ''}${cost.percentChange.toFixed(1)}%`} against ${deployed?.release.id})`;
  return {
    outcome: {
      status: details.length > 0 ? 'fail' : warnings.length > 0 ? 'warn' : 'pass',
      summary: `${per}${month}${against}${budget === undefined ? '' : `; budget $${budget} / month`}`,
      details: [...details, ...warnings],
    },
    cost,
  };
}

/** Whether an error means the gate could not run (exit 2) rather than a bug. */
export function isCouldNotRun(error: unknown): error is AirlockError {
  return isAirlockError(error) && error.code !== 'HALTED';
}
