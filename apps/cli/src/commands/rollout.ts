import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  AirlockError,
  parseJsonl,
  parseJsonText,
  parseYamlDocument,
  type SourceIssue,
  writeFileAtomic,
} from '@airlock/core';
import { rollbackTarget } from '@airlock/deploy-state';
import {
  aggregatePredictions,
  assign,
  type Evaluation,
  emergencyPolicy,
  evaluate,
  loadRolloutPolicy,
  type Prediction,
  parseVariantList,
  predictionInputSchema,
  type RolloutMetrics,
  type RolloutPolicy,
  rolloutMetricsSchema,
  toPrediction,
} from '@airlock/rollout';
import type { CommandDefinition, OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { formatTable } from '../table.ts';
import { durationOf, keyOf, keyOptions, rollBack, rollbackOptions, where } from './environment.ts';
import { actorOption, positiveInteger, required } from './shared-options.ts';

/** `rollout evaluate` says "hold" with its own exit code, so a pipeline loop can wait and ask again. */
export const holdExitCode = 9;

function readText(file: string, cwd: string): string {
  try {
    return readFileSync(file === '-' ? 0 : resolve(cwd, file), 'utf8');
  } catch {
    throw new AirlockError('NOT_FOUND', `${file}: no such file`);
  }
}

function policyOf(context: CommandContext, options: OptionValues): { policy: RolloutPolicy; file: string } {
  const file = required('policy', options.policy);
  return { policy: loadRolloutPolicy(resolve(context.io.cwd, file), file), file };
}

function shareOf(value: unknown): number {
  const share = typeof value === 'string' && /^\d+(\.\d{1,2})?$/.test(value) ? Number(value) : Number.NaN;
  if (share > 0 && share <= 100) return share;
  throw new AirlockError(
    'INVALID_INPUT',
    `--traffic: expected a percentage from 0.01 to 100, got "${String(value)}"`,
  );
}

export const rolloutStartCommand: CommandDefinition = {
  words: ['rollout', 'start'],
  summary: "start the current deployment's canary at the policy's first stage (or 50% on the emergency path)",
  description:
    'Records in deploy_state.json that the current deployment is in a rollout, at stage 1 of the policy\n' +
    '(e.g. 1% → 10% → 50% → 100%). --emergency goes straight to 50% and rolls back on the first\n' +
    'breach; using it is its own audit-log entry (rollout.emergency).',
  options: {
    ...keyOptions,
    policy: { type: 'string', valueName: 'file', description: 'the rollout policy (rollouts/<name>.yaml)' },
    emergency: {
      type: 'boolean',
      description: 'the emergency path: smoke + adversarial suites, straight to 50%',
    },
    restart: {
      type: 'boolean',
      description: 'start again at stage 1 although a rollout of this deployment is under way',
    },
    actor: actorOption,
  },
  positionals: [],
  examples: [
    {
      command: 'airlock rollout start --env production --policy rollouts/support-bot.yaml',
      description: 'after deploy record: the canary takes 1% of units',
    },
  ],
  async run(context, options) {
    const key = keyOf(context, options);
    const { policy, file } = policyOf(context, options);
    const emergency = options.emergency === true;
    const stages = (emergency ? emergencyPolicy(policy) : policy).canary_stages;
    const first = stages[0];
    if (first === undefined) throw new AirlockError('INVALID_INPUT', `${file} has no stages`);
    const state = await context.deployState().setRolloutStage(key, {
      actor: context.actor(options.actor),
      policy: file,
      stage: 1,
      trafficPct: first.traffic_pct,
      emergency,
      start: { restart: options.restart === true },
    });
    context.output.result({ rollout: state.rollout, current: state.current }, () => [
      `${state.current?.release.id} in ${where(key)}: stage 1 of ${stages.length} at ${first.traffic_pct}% of units${emergency ? context.output.yellow(' (emergency path: recorded in the audit log)') : ''}`,
      emergency
        ? `emergency path: run only the ${policy.emergency.suites.join(' and ')} suites before it; any breach rolls back at once`
        : `minimum ${first.duration_min ?? 0} min here; then airlock rollout evaluate --env ${key.environment} --policy ${file} --metrics …`,
    ]);
    return 0;
  },
};

/** Who the policy says to tell about a rollback, for the action line ("; notify slack #x, pager y"). */
function notifyText(policy: RolloutPolicy): string {
  const targets = policy.on_rollback_notify.flatMap((target) =>
    Object.entries(target).map(([kind, to]) => `${kind} ${to}`),
  );
  return targets.length > 0 ? `; notify ${targets.join(', ')}` : '';
}

function metricsFrom(context: CommandContext, file: string): RolloutMetrics {
  const text = readText(file, context.io.cwd);
  const display = file === '-' ? '<stdin>' : file;
  parseJsonText(text, display);
  // JSON is YAML: the YAML reader locates every problem at line:column.
  return parseYamlDocument(text, { file: display, schema: rolloutMetricsSchema });
}

function checkLines(context: CommandContext, evaluation: Evaluation): string[] {
  const value = (observed: number | undefined, check: string) => {
    if (observed === undefined) return '-';
    if (/rate|feedback/.test(check)) return `${(observed * 100).toFixed(2)}%`;
    if (/latency/.test(check)) return `${Math.round(observed)} ms`;
    if (/cost/.test(check)) return `$${observed.toFixed(5)}`;
    return observed.toFixed(3);
  };
  const paint = (status: string) =>
    status === 'pass'
      ? context.output.green(status)
      : status === 'breach'
        ? context.output.red(status)
        : context.output.yellow(status);
  return formatTable(
    ['CHECK', 'STATUS', 'OBSERVED', 'BASELINE', 'LIMIT', 'SAMPLES', 'TEST'],
    evaluation.checks.map((check) => [
      check.check,
      paint(check.status),
      value(check.observed, check.check),
      value(check.baseline, check.check),
      value(check.limit, check.check),
      String(check.samples),
      check.test ? `${check.test.test}: p=${check.test.pValue.toPrecision(2)}` : '-',
    ]),
  );
}

/** What judging a metrics window decided, and what was done about it (with --env). */
export interface RolloutJudgement {
  evaluation: Evaluation;
  notify: RolloutPolicy['on_rollback_notify'];
  action: string;
}

/**
 * Judges a metrics window for a canary stage and, with --env, acts: promote moves the deploy
 * state on, rollback rolls back through it (rate limit and halt included). `rollout evaluate`
 * and `gate --stage canary` both decide here.
 */
export async function judgeRollout(
  context: CommandContext,
  options: OptionValues,
): Promise<RolloutJudgement> {
  const metrics = metricsFrom(context, required('metrics', options.metrics));
  const acting = typeof options.env === 'string';
  const key = acting ? keyOf(context, options) : undefined;
  const rollout = key === undefined ? null : (await context.deployState().read(key)).state;
  const current = rollout?.current ?? null;
  const progress = rollout?.rollout?.seq === current?.seq ? (rollout?.rollout ?? null) : null;
  if (key !== undefined && (progress === null || current === null)) {
    throw new AirlockError(
      'PRECONDITION_FAILED',
      `${where(key)} has no rollout in progress: start one with airlock rollout start`,
    );
  }
  // Acting on production: the deploy state, not the files given, says where the rollout is.
  if (progress !== null && current !== null) {
    if (typeof options.policy === 'string' && options.policy !== progress.policy) {
      throw new AirlockError(
        'CONFLICT',
        `the rollout of ${current.release.id} follows ${progress.policy}, not ${options.policy}; a policy is chosen at rollout start`,
      );
    }
    if (options.stage !== undefined && positiveInteger('stage', options.stage) !== progress.stage) {
      throw new AirlockError(
        'CONFLICT',
        `the rollout is at stage ${progress.stage}, not ${String(options.stage)}: with --env the stage comes from the deploy state`,
      );
    }
    const wrong = [
      ...(metrics.feature !== undefined &&
      current.release.feature !== undefined &&
      metrics.feature !== current.release.feature
        ? [`feature ${metrics.feature} (running: ${current.release.feature})`]
        : []),
      ...(metrics.canary.release !== undefined && metrics.canary.release !== current.release.id
        ? [`canary ${metrics.canary.release} (running: ${current.release.id})`]
        : []),
    ];
    if (wrong.length > 0) {
      throw new AirlockError(
        'CONFLICT',
        `the metrics window is about ${wrong.join(' and ')}; nothing was changed (airlock rollout metrics --env ${key?.environment} makes the right one)`,
      );
    }
  }
  const { policy, file } =
    typeof options.policy === 'string' || progress === null
      ? policyOf(context, options)
      : {
          policy: loadRolloutPolicy(resolve(context.io.cwd, progress.policy), progress.policy),
          file: progress.policy,
        };
  const stage =
    progress?.stage ?? (options.stage === undefined ? undefined : positiveInteger('stage', options.stage));
  if (stage === undefined) throw new AirlockError('INVALID_INPUT', '--stage is required without --env');
  const emergency = options.emergency === true || progress?.emergency === true;
  const evaluation = evaluate({
    policy,
    stage,
    emergency,
    metrics: {
      ...metrics,
      // The stage's clock is the deploy state's, whatever the window says.
      ...(progress ? { stageStartedAt: progress.stageStartedAt } : {}),
    },
  });
  let action = '';
  if (key !== undefined && progress !== null) {
    const actor = context.actor(options.actor);
    if (evaluation.decision === 'promote') {
      if (evaluation.next === null) {
        await context.deployState().completeRollout(key, { actor, expectSeq: progress.seq });
        action = `rollout complete: ${rollout?.current?.release.id} is at 100% and known-good`;
      } else {
        await context.deployState().setRolloutStage(key, {
          actor,
          policy: file,
          stage: evaluation.next.number,
          trafficPct: evaluation.next.trafficPct,
          emergency,
          expectSeq: progress.seq,
        });
        action = `promoted to stage ${evaluation.next.number}: ${evaluation.next.trafficPct}% of units`;
      }
    } else if (evaluation.decision === 'rollback' && evaluation.autoRollback) {
      const command = typeof options.exec === 'string' ? options.exec : context.config().deploy.command;
      const maxAgeMs = durationOf('max-age', options['max-age']);
      const outcome = await rollBack(context, key, {
        actor,
        reason: `rollout stage ${stage} (${evaluation.stage.trafficPct}%): ${evaluation.reasons.join('; ')}`,
        allowStale: options['allow-stale'] === true,
        ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
        ...(command === undefined ? {} : { command }),
        recordOnly: options['record-only'] === true,
      });
      action = `rolled back to ${outcome.current?.release.id}${notifyText(policy)}`;
    } else if (evaluation.decision === 'rollback') {
      action = `auto_rollback is off in the policy: a person decides (airlock deploy rollback)${notifyText(policy)}`;
    }
  }
  const notify = evaluation.decision === 'rollback' ? policy.on_rollback_notify : [];
  return { evaluation, notify, action };
}

export const rolloutEvaluateCommand: CommandDefinition = {
  words: ['rollout', 'evaluate'],
  summary: 'decide a canary stage: promote, hold (exit 9) or rollback (exit 1), with a reason per SLO',
  description:
    'Judges a metrics window (airlock rollout metrics writes one) against the stage’s SLOs and the\n' +
    'built-in triggers (error rate > 1%, p99 > 5 s, faithfulness below 0.85, more than 3 failed smoke\n' +
    'tests in a row, mean confidence 2σ below the baseline for 5 minutes). Too few samples or no data\n' +
    'is inconclusive: hold, never promote. With --env it also acts: promote moves deploy_state.json to\n' +
    'the next stage (completing the rollout at 100%), and a rollback decision rolls back through the\n' +
    'deploy state (so the rollback-rate limit and halt apply; exit 3 when halted, exit 4 when the deploy\n' +
    'command fails). With --env the stage, the policy and the stage start come from deploy_state.json,\n' +
    'and a window about another feature or release is refused.',
  options: {
    policy: {
      type: 'string',
      valueName: 'file',
      description: 'the rollout policy (with --env: the one the rollout started with, by default)',
    },
    metrics: { type: 'string', valueName: 'file', description: 'the metrics window (JSON), or - for stdin' },
    stage: {
      type: 'string',
      valueName: 'n',
      description: 'the stage (1-based; default: the rollout’s, with --env)',
    },
    emergency: {
      type: 'boolean',
      description: 'judge on the emergency path (default: the rollout’s, with --env)',
    },
    ...keyOptions,
    env: {
      type: 'string',
      valueName: 'name',
      description: 'act on this environment’s rollout (promote or roll back)',
    },
    ...rollbackOptions,
    actor: actorOption,
  },
  positionals: [],
  examples: [
    {
      command: 'airlock rollout evaluate --policy rollouts/support-bot.yaml --stage 1 --metrics window.json',
      description: 'judge a window, act on nothing',
    },
    {
      command:
        'airlock rollout metrics --env production --since 30m | airlock rollout evaluate --metrics - --env production --exec "kubectl set image deploy/search app={image}"',
      description: 'every few minutes in the deploy pipeline',
    },
  ],
  async run(context, options) {
    const { evaluation, notify, action } = await judgeRollout(context, options);
    context.output.result({ ...evaluation, notify, ...(action === '' ? {} : { action }) }, () => [
      `${context.output.bold(evaluation.decision.toUpperCase())} stage ${evaluation.stage.number} (${evaluation.stage.trafficPct}%)${evaluation.emergency ? ' on the emergency path' : ''}`,
      ...evaluation.reasons.map((reason) => `  ${reason}`),
      '',
      ...checkLines(context, evaluation),
      ...(action === '' ? [] : ['', action]),
    ]);
    return evaluation.decision === 'promote' ? 0 : evaluation.decision === 'hold' ? holdExitCode : 1;
  },
};

export const rolloutMetricsCommand: CommandDefinition = {
  words: ['rollout', 'metrics'],
  summary: 'aggregate the prediction log into a metrics window for evaluate (canary, baseline, variants)',
  options: {
    feature: { type: 'string', valueName: 'name', description: 'the feature' },
    release: { type: 'string', valueName: 'id', description: 'the canary release (others are the baseline)' },
    baseline: { type: 'string', valueName: 'id', description: 'only this release as the baseline' },
    since: {
      type: 'string',
      valueName: 'duration',
      description: 'the window: this long before --to (default 30m)',
    },
    to: { type: 'string', valueName: 'time', description: 'the window’s end, ISO 8601 (default now)' },
    'stage-started': {
      type: 'string',
      valueName: 'time',
      description: 'when the stage began (for its minimum duration)',
    },
    out: { type: 'string', valueName: 'file', description: 'write the window here and print a summary' },
    ...keyOptions,
    env: {
      type: 'string',
      valueName: 'name',
      description:
        'take the feature, the canary release, the baseline (the stable release) and the stage start from this environment’s rollout',
    },
  },
  positionals: [],
  examples: [
    {
      command:
        'airlock rollout metrics --env production | airlock rollout evaluate --metrics - --env production --exec "kubectl set image deploy/search app={image}"',
      description: 'the current canary against the stable release, judged and acted on',
    },
    {
      command:
        'airlock rollout metrics --feature search --release gpt-4o/2024-11-20/v3 --since 30m --out window.json',
      description: 'the last half hour, canary against everything else',
    },
  ],
  async run(context, options) {
    // With --env, the rollout in deploy_state.json fills in what was not given.
    const state =
      typeof options.env === 'string'
        ? (await context.deployState().read(keyOf(context, options))).state
        : undefined;
    const current = state?.current ?? undefined;
    const progress = state?.rollout?.seq === current?.seq ? state?.rollout : undefined;
    const stable = state === undefined ? undefined : rollbackTarget(state);
    const feature =
      typeof options.feature === 'string'
        ? options.feature
        : (current?.release.feature ?? required('feature', options.feature));
    const release =
      typeof options.release === 'string'
        ? options.release
        : (current?.release.id ?? required('release', options.release));
    const baseline =
      typeof options.baseline === 'string' ? options.baseline : progress ? stable?.release.id : undefined;
    const time = (flag: string, value: unknown) => {
      const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(parsed))
        throw new AirlockError(
          'INVALID_INPUT',
          `--${flag}: expected an ISO 8601 time, got "${String(value)}"`,
        );
      return new Date(parsed);
    };
    const to = options.to === undefined ? new Date() : time('to', options.to);
    const from = new Date(to.getTime() - (durationOf('since', options.since) ?? 30 * 60_000));
    const metrics = aggregatePredictions(context.predictions().window(feature, from, to), {
      feature,
      release,
      from,
      to,
      ...(baseline === undefined ? {} : { baselineRelease: baseline }),
      ...(typeof options.env === 'string' ? { environment: options.env } : {}),
      ...(options['stage-started'] !== undefined
        ? { stageStartedAt: time('stage-started', options['stage-started']) }
        : progress
          ? { stageStartedAt: new Date(progress.stageStartedAt) }
          : {}),
    });
    if (metrics.canary.requests === 0) {
      context.output.note(
        `no predictions of ${release} for ${feature} between ${from.toISOString()} and ${to.toISOString()}: check the names (evaluate will hold)`,
      );
    }
    if (typeof options.out !== 'string') {
      context.io.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
      return 0;
    }
    writeFileAtomic(resolve(context.io.cwd, options.out), `${JSON.stringify(metrics, null, 2)}\n`);
    const arms = [
      ['canary', metrics.canary],
      ...(metrics.baseline ? [['baseline', metrics.baseline] as const] : []),
    ] as const;
    context.output.result({ written: options.out, metrics }, () => [
      ...formatTable(
        ['ARM', 'RELEASE', 'REQUESTS', 'ERROR RATE', 'P50', 'P95', 'P99', 'COST/CALL'],
        arms.map(([name, arm]) => [
          name,
          arm.release ?? '(several)',
          String(arm.requests),
          arm.requests === 0 ? '-' : `${((arm.errors / arm.requests) * 100).toFixed(2)}%`,
          arm.latencyMs ? `${Math.round(arm.latencyMs.p50)} ms` : '-',
          arm.latencyMs ? `${Math.round(arm.latencyMs.p95)} ms` : '-',
          arm.latencyMs ? `${Math.round(arm.latencyMs.p99)} ms` : '-',
          arm.cost ? `$${(arm.cost.totalUsd / arm.cost.calls).toFixed(5)}` : '-',
        ]),
      ),
      `written ${options.out} (${from.toISOString()} to ${to.toISOString()})`,
    ]);
    return 0;
  },
};

export const rolloutAssignCommand: CommandDefinition = {
  words: ['rollout', 'assign'],
  summary: 'which bucket, rollout arm and A/B variant a unit (user, session) gets — sticky across stages',
  options: {
    feature: { type: 'string', valueName: 'name', description: 'the feature' },
    unit: { type: 'string', valueName: 'id', description: 'the unit id (user or session id)' },
    traffic: {
      type: 'string',
      valueName: 'pct',
      description: 'the rollout share, 0.01 to 100 (default 100)',
    },
    experiment: { type: 'string', valueName: 'name', description: 'an A/B experiment (needs --variants)' },
    variants: { type: 'string', valueName: 'list', description: 'name:weight pairs, e.g. formal:1,casual:1' },
  },
  positionals: [],
  examples: [
    {
      command: 'airlock rollout assign --feature search --unit user-42 --traffic 10',
      description: 'in the 10% canary?',
    },
  ],
  async run(context, options) {
    const variants = typeof options.variants === 'string' ? parseVariantList(options.variants) : undefined;
    if (variants !== undefined && options.experiment === undefined) {
      throw new AirlockError(
        'INVALID_INPUT',
        '--variants needs --experiment (the experiment they belong to)',
      );
    }
    if (options.experiment !== undefined && variants === undefined) {
      throw new AirlockError('INVALID_INPUT', '--experiment needs --variants (e.g. formal:1,casual:1)');
    }
    const assignment = assign({
      feature: required('feature', options.feature),
      unitId: required('unit', options.unit),
      trafficPct: options.traffic === undefined ? 100 : shareOf(options.traffic),
      ...(typeof options.experiment === 'string' && variants
        ? { experiment: { name: options.experiment, variants } }
        : {}),
    });
    context.output.result(assignment, () => [
      `${assignment.unitId}: bucket ${assignment.rolloutBucket} of 10000 → ${assignment.inRollout ? 'in' : 'not in'} the ${assignment.stageTrafficPct}% rollout${assignment.variant === undefined ? '' : `; variant ${assignment.variant}`} (${assignment.algorithm})`,
    ]);
    return 0;
  },
};

export const rolloutRecordCommand: CommandDefinition = {
  words: ['rollout', 'record'],
  summary: 'append predictions from a JSONL file to the prediction log (what POST /v1/predictions does)',
  options: {},
  positionals: [
    { name: 'file', description: 'one prediction per line (JSONL), or - for stdin', required: true },
  ],
  examples: [
    { command: 'airlock rollout record predictions.jsonl', description: 'load a day of logged predictions' },
  ],
  async run(context, _options, [file = '']) {
    const display = file === '-' ? '<stdin>' : file;
    const keepInputs = context.config().predictions.keepInputs;
    const now = new Date();
    const predictions: Prediction[] = [];
    const issues: SourceIssue[] = [];
    for (const row of parseJsonl(readText(file, context.io.cwd))) {
      if ('error' in row) {
        issues.push({ file: display, line: row.line, column: 1, message: row.error });
        continue;
      }
      const parsed = predictionInputSchema.safeParse(row.value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          issues.push({
            file: display,
            line: row.line,
            column: 1,
            message: `${issue.path.join('.') || '(row)'}: ${issue.message}`,
          });
        }
        continue;
      }
      predictions.push(toPrediction(parsed.data, { now, keepInputs }));
    }
    if (issues.length > 0) {
      throw new AirlockError(
        'INVALID_INPUT',
        `${display}: ${issues.length} problem(s); nothing was recorded`,
        { issues },
      );
    }
    const result = context.predictions().append(predictions);
    context.output.result(result, () => [
      `recorded ${result.inserted} prediction(s)${result.duplicates > 0 ? `; ${result.duplicates} already logged (same feature and request id) skipped` : ''}${result.feedbackAdded > 0 ? `; feedback added to ${result.feedbackAdded}` : ''}`,
    ]);
    return 0;
  },
};
