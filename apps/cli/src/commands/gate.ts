import { appendFileSync, existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { AirlockError, ensureDirectory, isAirlockError, writeFilesAtomic } from '@airlock/core';
import type { Deployment, StateKey } from '@airlock/deploy-state';
import {
  type GateDecision,
  type GateHtmlInput,
  type GateReport,
  type GateStage,
  type GateStep,
  gateCostLines,
  gateExitCodes,
  gateHtmlReport,
  gateJunit,
  gateMarkdown,
  gateStages,
} from '@airlock/evals';
import { checkBuild, loadManifestSources, releaseIdOf } from '@airlock/registry';
import type { CommandDefinition, OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { refOf } from './deploy-release.ts';
import { keyOf, rollbackOptions, where } from './environment.ts';
import { resultLines, type SuiteExecution, suiteRunOptions } from './eval.ts';
import {
  costStep,
  datasetsStep,
  deployedRunsOf,
  type GateRun,
  lintStep,
  regressionStep,
  runSuite,
  type StepOutcome,
  suitesFor,
} from './gate-steps.ts';
import { releaseFromManifest } from './manifest-release.ts';
import { judgeRollout } from './rollout.ts';
import { actorOption, oneOf, required } from './shared-options.ts';

const shown = (context: CommandContext, path: string) => relative(context.io.cwd, path) || path;

/** Runs the steps in order, timing each and printing its line as it finishes. */
class StepRunner {
  readonly steps: GateStep[] = [];
  /** Set when a step could not run (exit 2) or hit the halt (exit 3): the rest are skipped. */
  stopped: { decision: 'could-not-run' | 'halted'; reason: string } | undefined;

  private readonly context: CommandContext;
  private interrupted = false;

  constructor(context: CommandContext) {
    this.context = context;
    // Ctrl-C (or a cancelled CI job): the step in flight keeps what finished, the rest are skipped.
    void context.io.waitForShutdown().then(() => {
      this.interrupted = true;
    });
  }

  async run<T extends StepOutcome>(
    id: string,
    name: string,
    body: () => Promise<T> | T,
  ): Promise<T | undefined> {
    if (this.interrupted && !this.stopped) {
      this.stopped = { decision: 'could-not-run', reason: 'interrupted (Ctrl-C or a cancelled job)' };
    }
    if (this.stopped) {
      this.add({
        id,
        name,
        status: 'skipped',
        durationMs: 0,
        summary: 'not run: the gate stopped',
        details: [],
      });
      return undefined;
    }
    const started = performance.now();
    try {
      const outcome = await body();
      this.add({ id, name, durationMs: performance.now() - started, ...outcome });
      return outcome;
    } catch (error) {
      if (!isAirlockError(error)) throw error;
      const halted = error.code === 'HALTED';
      const details = error.issues.map(
        (issue) => `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`,
      );
      this.stopped = { decision: halted ? 'halted' : 'could-not-run', reason: `${name}: ${error.message}` };
      this.add({
        id,
        name,
        status: 'fail',
        durationMs: performance.now() - started,
        summary: error.message,
        details,
      });
      return undefined;
    }
  }

  skip(id: string, name: string, summary: string): void {
    this.add({ id, name, status: 'skipped', durationMs: 0, summary, details: [] });
  }

  private add(step: GateStep): void {
    this.steps.push(step);
    const { output } = this.context;
    const marks = {
      pass: output.green('✓'),
      fail: output.red('✗'),
      warn: output.yellow('!'),
      skipped: output.dim('-'),
    } as const;
    const time =
      step.durationMs < 1000 ? `${Math.round(step.durationMs)}ms` : `${(step.durationMs / 1000).toFixed(1)}s`;
    output.line(`${marks[step.status]} ${step.name.padEnd(22)} ${time.padStart(7)}  ${step.summary}`);
    // Warnings stay in the reports; a failed step shows why right here.
    const shownDetails = step.status === 'fail' ? step.details.slice(0, 12) : [];
    for (const detail of shownDetails) output.line(output.dim(`    ${detail}`));
    if (step.details.length > shownDetails.length && step.status === 'fail') {
      output.line(output.dim(`    … ${step.details.length - shownDetails.length} more in the reports`));
    }
  }
}

/** The rollback flags, said to be canary's (a rollback is what a failing canary stage does). */
const canaryRollbackOptions = Object.fromEntries(
  Object.entries(rollbackOptions).map(([name, spec]) => [
    name,
    { ...spec, description: `canary: ${spec.description}` },
  ]),
);

/** The current deployment of the environment, or null when nothing was ever recorded there. */
async function deployedIn(
  context: CommandContext,
  key: StateKey,
): Promise<{ deployed: Deployment | null; exists: boolean }> {
  try {
    return { deployed: (await context.deployState().read(key)).state.current, exists: true };
  } catch (error) {
    if (isAirlockError(error) && error.code === 'STATE_MISSING') return { deployed: null, exists: false };
    throw error;
  }
}

/** Emergency gates since the last passing staging gate: the next normal gate says so. */
async function emergencyNotices(context: CommandContext, feature: string): Promise<string[]> {
  const registry = context.registry();
  const [emergencies, passes] = await Promise.all([
    registry.auditLog({ subject: feature, action: 'gate.emergency' }),
    registry.auditLog({ subject: feature, action: 'gate.pass' }),
  ]);
  const lastPass = passes.reduce((seq, entry) => Math.max(seq, entry.seq), 0);
  return emergencies
    .filter((entry) => entry.seq > lastPass)
    .map((entry) => {
      const details = entry.details as { release?: string; reason?: string; decision?: string };
      return `an emergency gate ran on ${entry.at} by ${entry.actor} for ${details.release ?? '?'} (${details.decision ?? '?'}): "${details.reason ?? ''}". It skipped the full suite; no staging gate has passed since (audit #${entry.seq}).`;
    });
}

function decide(runner: StepRunner, rolloutHold: boolean): GateDecision {
  if (runner.stopped) return runner.stopped.decision;
  if (runner.steps.some((step) => step.status === 'fail')) return 'blocked';
  return rolloutHold ? 'hold' : 'deploy';
}

function reasonsOf(runner: StepRunner): string[] {
  const reasons: string[] = [];
  if (runner.stopped) reasons.push(runner.stopped.reason);
  for (const step of runner.steps) {
    if (step.status === 'fail' && !runner.stopped?.reason.startsWith(`${step.name}:`)) {
      reasons.push(`${step.name}: ${step.summary}`);
      for (const detail of step.details.slice(0, 12)) reasons.push(`  ${detail}`);
      if (step.details.length > 12)
        reasons.push(`  … and ${step.details.length - 12} more (in the step's details)`);
    }
    if (step.status === 'warn') reasons.push(`(warning) ${step.name}: ${step.summary}`);
  }
  return reasons;
}

/** The four reports, from the one JSON document. */
function writeReports(
  context: CommandContext,
  directory: string,
  report: GateReport,
  suites: GateHtmlInput['suites'],
): string[] {
  ensureDirectory(directory);
  const files = {
    json: join(directory, 'report.json'),
    markdown: join(directory, 'summary.md'),
    junit: join(directory, 'junit.xml'),
    html: join(directory, 'report.html'),
  };
  const markdown = gateMarkdown(report);
  // The four together: a failure leaves the previous set (or none), never a mix.
  writeFilesAtomic([
    { path: files.json, data: `${JSON.stringify(report, null, 2)}\n` },
    { path: files.markdown, data: markdown },
    { path: files.junit, data: gateJunit(report) },
    {
      path: files.html,
      data: gateHtmlReport({
        title: `Release gate: ${report.feature} · ${report.stage}`,
        facts: [
          ['Feature', report.feature],
          ['Stage', report.stage],
          [
            'Candidate',
            `${report.candidate.id} (${report.candidate.model}, prompt ${report.candidate.prompt})`,
          ],
          ['Manifest', report.manifest],
          [
            'Deployed',
            report.deployed
              ? `${report.deployed.id} in ${report.environment} (#${report.deployed.seq}, ${report.deployed.deployedAt})`
              : `nothing recorded in ${report.environment}`,
          ],
          ['Started', `${report.startedAt} (took ${(report.durationMs / 1000).toFixed(1)} s)`],
        ],
        decision: report.decision,
        reasons: [...report.notices.map((notice) => `Note: ${notice}`), ...report.reasons],
        steps: report.steps,
        suites,
        cost: gateCostLines(report.cost),
      }),
    },
  ]);
  return Object.values(files).map((file) => shown(context, file));
}

export const gateCommand: CommandDefinition = {
  words: ['gate'],
  summary: 'the release gate for a stage: lint, datasets, evals, cost, regression → deploy (0) / blocked (1)',
  description:
    'Runs, in order, each with a pass / fail / skipped line and its time: policy lint of the manifest\n' +
    '(compared with the release that deploy state records as running in --env), datasets exactly as\n' +
    'pinned and valid against their schema, the manifest’s eval suites whose `stages` include this\n' +
    'stage (thresholds, errors, budgets), the cost change against the deployed release, and the\n' +
    'regression check against each suite’s baseline (the runs that passed the deployed release\n' +
    'through staging, else the manifest’s baseline file). An emergency gate is recorded in the audit\n' +
    'log. --stage canary judges the rollout’s current stage from a metrics window instead, and\n' +
    'promotes or rolls back.\n' +
    'Writes report.json, summary.md (also to $GITHUB_STEP_SUMMARY), junit.xml and report.html.\n' +
    'Exit 0 deploy, 1 blocked, 2 could not run, 3 halted, 9 hold (canary: wait and ask again);\n' +
    '5–8 when deploy state is missing, stale, another environment’s or unreadable (docs/gates.md).',
  options: {
    stage: { type: 'string', valueName: 'stage', description: 'pre-merge, staging, canary or emergency' },
    manifest: {
      type: 'string',
      valueName: 'file',
      description: 'the candidate manifest (default: features/<feature>.yaml in the project)',
    },
    env: {
      type: 'string',
      valueName: 'name',
      description: 'the environment whose deployed release is compared with (default production)',
    },
    namespace: {
      type: 'string',
      valueName: 'name',
      description: 'the namespace of the environment (default: deploy.namespace in airlock.yaml)',
    },
    reports: {
      type: 'string',
      valueName: 'dir',
      description:
        'where the reports go (default .airlock/reports/<feature>-<stage>/ in the project; a --manifest other than features/<feature>.yaml adds its name)',
    },
    record: {
      type: 'boolean',
      description:
        'staging: when the gate passes, record the release in --env’s deploy state (needs --commit, --image)',
    },
    commit: { type: 'string', valueName: 'sha', description: 'with --record: the commit built' },
    image: {
      type: 'string',
      valueName: 'ref',
      description: 'with --record: the image built (tag ending in the commit, or a digest)',
    },
    init: {
      type: 'boolean',
      description: 'with --record: the environment’s first deploy (create its state)',
    },
    reason: {
      type: 'string',
      valueName: 'text',
      description: 'emergency: why (required; recorded in the audit log)',
    },
    metrics: {
      type: 'string',
      valueName: 'file',
      description: 'canary: the metrics window (airlock rollout metrics)',
    },
    ...canaryRollbackOptions,
    ...suiteRunOptions,
    policy: {
      type: 'string',
      valueName: 'point|significant',
      description: 'regression policy (default significant: only a drop that is not noise blocks)',
    },
    actor: actorOption,
  },
  positionals: [{ name: 'feature', description: 'the feature (features/<feature>.yaml)', required: true }],
  examples: [
    { command: 'airlock gate support-bot --stage pre-merge', description: 'on every pull request' },
    {
      command:
        'airlock gate support-bot --stage staging --record --commit $GITHUB_SHA --image ghcr.io/org/bot:$GITHUB_SHA',
      description: 'on main: the full gate, recording the release as deployed when it passes',
    },
    {
      command: 'airlock gate support-bot --stage canary --metrics window.json',
      description: 'every few minutes during the rollout: promote, hold or roll back',
    },
    {
      command: 'airlock gate support-bot --stage emergency --reason "INC-123: refunds answered wrongly"',
      description: 'a hotfix: smoke and adversarial only, recorded',
    },
  ],
  async run(context, options, [feature = '']) {
    const started = new Date();
    const stage = oneOf('stage', required('stage', options.stage), gateStages) as GateStage;
    const config = context.config();
    const key = keyOf(context, {
      ...options,
      env: typeof options.env === 'string' ? options.env : 'production',
    });
    const defaultManifest = join(config.root, 'features', `${feature}.yaml`);
    const manifestPath =
      typeof options.manifest === 'string' ? resolve(context.io.cwd, options.manifest) : defaultManifest;
    checkFlags(stage, options);
    const directory = reportsDirectory(context, options, { feature, stage, manifestPath, defaultManifest });
    const sources = loadManifestSources(manifestPath, { root: config.root, cwd: context.io.cwd });
    if (sources.manifest.feature !== feature) {
      throw new AirlockError(
        'INVALID_INPUT',
        `${sources.file} is the manifest of ${sources.manifest.feature}, not ${feature}`,
      );
    }
    // Who acts is needed only for what is recorded (emergency, --record, canary actions).
    const actor =
      stage === 'emergency' || stage === 'canary' || options.record === true
        ? context.actor(options.actor)
        : actorIfKnown(context, options);
    const { deployed, exists } = await deployedIn(context, key);
    if (options.record === true && !exists && options.init !== true) {
      throw new AirlockError(
        'STATE_MISSING',
        `no deploy state for ${where(key)}: for its first deploy add --init (checked before the suites run)`,
      );
    }
    const run: GateRun = {
      context,
      options,
      feature,
      stage,
      manifestShown: sources.file,
      manifestPath,
      sources,
      key,
      deployed,
      deployedRuns: stage === 'canary' ? {} : await deployedRunsOf(context, feature, deployed),
      candidateId: stage === 'canary' && deployed ? deployed.release.id : releaseIdOf(sources.manifest),
    };
    const notices =
      stage === 'emergency' || stage === 'canary' ? [] : await emergencyNotices(context, feature);
    const { output } = context;
    output.line(
      `${output.bold(`airlock gate ${feature} --stage ${stage}`)}: ${run.candidateId} from ${sources.file}; ${
        deployed ? `${where(key)} runs ${deployed.release.id}` : `nothing recorded in ${where(key)}`
      }`,
    );
    for (const notice of notices) output.line(output.yellow(`note: ${notice}`));

    const runner = new StepRunner(context);
    const executions: { name: string; execution: SuiteExecution }[] = [];
    let cost: GateReport['cost'] = null;
    let rollout: GateReport['rollout'] = null;
    if (stage === 'canary') {
      rollout = await canarySteps(run, runner);
    } else {
      const lint = await runner.run('lint', 'policy lint', () => lintStep(run));
      const lintFailed = lint?.status === 'fail';
      await runner.run('datasets', 'datasets', () => datasetsStep(run));
      const suites = suitesFor(sources.manifest, stage);
      if (suites.length === 0)
        runner.skip('suites', 'eval suites', `the manifest has no suites for ${stage}`);
      for (const suite of suites) {
        if (lintFailed) {
          runner.skip(`suite:${suite.name}`, `suite ${suite.name}`, 'not run: policy lint failed');
          continue;
        }
        await runner.run(`suite:${suite.name}`, `suite ${suite.name}`, async () => {
          const { outcome, execution } = await runSuite(run, suite);
          executions.push({ name: suite.name, execution });
          return outcome;
        });
      }
      await runner.run('cost', 'cost vs deployed', () => {
        const step = costStep(run, executions);
        cost = step.cost;
        return step.outcome;
      });
      await runner.run('regression', 'regression', () => regressionStep(executions, stage));
    }
    const recording = stage === 'staging' && options.record === true;
    let decision = decide(runner, rollout?.decision === 'hold');
    let recorded: GateReport['recorded'] = null;
    const report = (): GateReport => {
      const finished = new Date();
      return {
        schema: 'airlock.gate-report/v1',
        feature,
        stage,
        manifest: sources.file,
        environment: key.environment,
        candidate: {
          id: run.candidateId,
          model:
            stage === 'canary' && deployed?.release.model ? deployed.release.model : sources.manifest.model,
          prompt:
            stage === 'canary' && deployed?.release.prompt
              ? `${deployed.release.prompt.name}@${deployed.release.prompt.version}`
              : sources.manifest.prompt,
        },
        deployed: deployed
          ? {
              id: deployed.release.id,
              model: deployed.release.model ?? '',
              prompt: deployed.release.prompt
                ? `${deployed.release.prompt.name}@${deployed.release.prompt.version}`
                : '',
              seq: deployed.seq,
              deployedAt: deployed.at,
            }
          : null,
        decision,
        exitCode: gateExitCodes[decision],
        reasons: reasonsOf(runner),
        notices,
        steps: runner.steps,
        suites: executions.map(({ name, execution }) => ({ name, report: execution.report })),
        cost,
        rollout,
        recorded,
        actor,
        startedAt: started.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
      };
    };
    // What the gate decided is recorded before deploy state changes: the audit entry, then the
    // reports (so a folder that cannot take them fails before anything is recorded).
    // By the manifest's suite name: the next gate's baselines (deployedRunsOf).
    const runIds = Object.fromEntries(executions.map(({ name, execution }) => [name, execution.run.id]));
    if (stage === 'emergency') {
      await context.registry().record({
        actor: actor as string,
        action: 'gate.emergency',
        subject: feature,
        details: {
          release: run.candidateId,
          decision,
          reason: String(options.reason),
          manifest: sources.file,
          runs: runIds,
        },
      });
    } else if (
      stage === 'staging' &&
      decision === 'deploy' &&
      actor !== null &&
      manifestPath === defaultManifest
    ) {
      // Only the feature's own manifest: a candidate passing staging is not what main ships.
      await context.registry().record({
        actor,
        action: 'gate.pass',
        subject: feature,
        details: { release: run.candidateId, stage, manifest: sources.file, runs: runIds },
      });
    }
    if (recording && decision !== 'deploy') {
      runner.skip('record', 'record release', 'not recorded: the gate did not pass (deploy state untouched)');
    }
    // Each suite's result lines, read once for both writes of the HTML page.
    const pages = executions.map(({ name, execution }) => ({
      name,
      report: execution.report,
      results: resultLines(execution.report),
    }));
    const willRecord = recording && decision === 'deploy';
    const pending: GateStep = {
      id: 'record',
      name: 'record release',
      status: 'skipped',
      durationMs: 0,
      summary: 'pending: the gate passed; recording next',
      details: [],
    };
    let written = writeReports(
      context,
      directory,
      willRecord ? { ...report(), steps: [...runner.steps, pending] } : report(),
      pages,
    );
    if (willRecord) {
      await runner.run('record', 'record release', async () => {
        const { recorded: done, ...outcome } = await recordStep(run, actor as string);
        recorded = done;
        return outcome;
      });
      decision = decide(runner, false);
      written = writeReports(context, directory, report(), pages);
    }
    const final = report();
    // In GitHub Actions the summary shows on the run's page.
    const summary = context.io.env.GITHUB_STEP_SUMMARY;
    if (summary) appendFileSync(summary, `${gateMarkdown(final)}\n`);
    const words: Record<GateDecision, string> = {
      deploy: output.green(output.bold('DEPLOY')),
      blocked: output.red(output.bold('BLOCKED')),
      'could-not-run': output.red(output.bold('COULD NOT RUN')),
      halted: output.red(output.bold('HALTED')),
      hold: output.yellow(output.bold('HOLD')),
    };
    output.result({ ...final, reports: written }, () => [
      '',
      `${words[decision]} ${run.candidateId} (${stage}, ${(final.durationMs / 1000).toFixed(1)} s)`,
      ...final.reasons.map((reason) => `  ${reason}`),
      ...(rollout?.action ? [`  ${rollout.action}`] : []),
      `reports: ${written.join(', ')}`,
    ]);
    return final.exitCode;
  },
};

/** Who runs a gate that records nothing required: a passing staging gate is still audited when known. */
function actorIfKnown(context: CommandContext, options: OptionValues): string | null {
  try {
    return context.actor(options.actor);
  } catch {
    return null;
  }
}

/** Flags that only mean something at some stages are refused elsewhere, before anything runs. */
function checkFlags(stage: GateStage, options: OptionValues): void {
  if (options.record === true) {
    if (stage !== 'staging') {
      throw new AirlockError(
        'INVALID_INPUT',
        '--record records a release that passed the staging gate: use it with --stage staging',
      );
    }
    if (typeof options.commit !== 'string' || typeof options.image !== 'string') {
      throw new AirlockError(
        'INVALID_INPUT',
        '--record needs --commit <full sha> and --image <ref> (the build that carries the release)',
      );
    }
    // Checked now, not after the suites have run: a full SHA, and an image tagged with it.
    checkBuild(options.commit, options.image);
  }
  if (stage === 'emergency' && (typeof options.reason !== 'string' || options.reason.trim() === '')) {
    throw new AirlockError(
      'INVALID_INPUT',
      '--stage emergency needs --reason "<why>" (it is recorded in the audit log)',
    );
  }
  if (stage === 'canary' && typeof options.metrics !== 'string') {
    throw new AirlockError(
      'INVALID_INPUT',
      '--stage canary needs --metrics <window.json> (airlock rollout metrics --env <env> --out window.json writes one)',
    );
  }
  if (stage !== 'canary' && options.metrics !== undefined) {
    throw new AirlockError('INVALID_INPUT', '--metrics is for --stage canary (a rollout window)');
  }
  if (stage !== 'emergency' && options.reason !== undefined) {
    throw new AirlockError('INVALID_INPUT', '--reason is for --stage emergency');
  }
}

/**
 * Where the reports go: --reports, else .airlock/reports/<feature>-<stage>/, plus the manifest's
 * name when it is not the feature's own (a candidate's reports never overwrite the release's).
 * Refused before anything runs when it is a file.
 */
function reportsDirectory(
  context: CommandContext,
  options: OptionValues,
  name: { feature: string; stage: GateStage; manifestPath: string; defaultManifest: string },
): string {
  const root = context.config().root;
  let directory: string;
  if (typeof options.reports === 'string') directory = resolve(context.io.cwd, options.reports);
  else {
    const suffix =
      name.manifestPath === name.defaultManifest
        ? ''
        : `-${relative(root, name.manifestPath)
            .replace(/\.ya?ml$/, '')
            .replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    directory = join(root, '.airlock', 'reports', `${name.feature}-${name.stage}${suffix}`);
  }
  if (existsSync(directory) && !statSync(directory).isDirectory()) {
    throw new AirlockError(
      'INVALID_INPUT',
      `--reports ${shown(context, directory)} is a file; give a folder`,
    );
  }
  return directory;
}

/** Canary: judge the rollout's current stage, and promote or roll back through deploy state. */
async function canarySteps(run: GateRun, runner: StepRunner): Promise<GateReport['rollout']> {
  let rollout: GateReport['rollout'] = null;
  await runner.run('rollout', 'rollout evaluate', async () => {
    // The stage and policy come from the deploy state; only the window and how to roll back are given.
    const { stage: _gateStage, policy: _regressionPolicy, ...rest } = run.options;
    const { evaluation, action, notify } = await judgeRollout(run.context, {
      ...rest,
      env: run.key.environment,
      namespace: run.key.namespace,
    });
    rollout = {
      decision: evaluation.decision,
      stage: evaluation.stage.number,
      trafficPct: evaluation.stage.trafficPct,
      reasons: evaluation.reasons,
      action: action === '' ? null : action,
    };
    const notifyText =
      notify.length > 0
        ? ` (notify ${notify.map((target) => Object.values(target).join(' ')).join(', ')})`
        : '';
    return {
      status: evaluation.decision === 'rollback' ? 'fail' : evaluation.decision === 'hold' ? 'warn' : 'pass',
      summary: `${evaluation.decision} at stage ${evaluation.stage.number} (${evaluation.stage.trafficPct}%)${action === '' ? '' : `: ${action}`}${notifyText}`,
      details: evaluation.reasons,
    };
  });
  return rollout;
}

/** Staging with --record: the release (lint-checked again) becomes the environment's current deployment. */
async function recordStep(
  run: GateRun,
  actor: string,
): Promise<StepOutcome & { recorded: NonNullable<GateReport['recorded']> }> {
  const { context, options } = run;
  const release = await releaseFromManifest(context, shown(context, run.manifestPath), {
    commit: required('commit', options.commit),
    image: required('image', options.image),
  });
  const { deployment, changed } = await context.deployState().record(run.key, {
    release: refOf(release),
    commit: release.commit,
    image: release.image,
    actor,
    ...(options.init === true ? { init: true } : {}),
    // What this gate judged against: if a deploy happened meanwhile, record nothing.
    expectCurrent: run.deployed?.seq ?? null,
  });
  return {
    recorded: { environment: run.key.environment, seq: deployment.seq, changed },
    status: 'pass',
    summary: changed
      ? `${where(run.key)} #${deployment.seq}: ${release.id} ${release.image} recorded as deployed`
      : `${where(run.key)} already runs ${release.id} ${release.image}; nothing changed`,
    details: [],
  };
}
