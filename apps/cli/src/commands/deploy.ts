import { s3ClientFor } from '@airlock/api/store';
import { AirlockError, formatDuration } from '@airlock/core';
import {
  type DeployState,
  probeConditionalWrites,
  rollbacksInWindow,
  rollbackTarget,
} from '@airlock/deploy-state';
import type { CommandDefinition } from '../command.ts';
import { formatTable } from '../table.ts';
import { resolveRelease } from './deploy-release.ts';
import { describe, durationOf, keyOf, keyOptions, rollBack, rollbackOptions, where } from './environment.ts';
import { actorOption, positiveInteger, required, roleOf } from './shared-options.ts';

export const deployRecordCommand: CommandDefinition = {
  words: ['deploy', 'record'],
  summary: 'record what was just deployed to an environment (refused while halted)',
  description:
    'Writes deploy_state.json: the release (id and digest), commit, image, who and when. The image must\n' +
    'carry a digest (…@sha256:…) or a tag ending in the commit SHA; a tag already recorded for other\n' +
    'code is refused (a reused tag hides what ran). Recording what is current again changes nothing.',
  options: {
    ...keyOptions,
    release: {
      type: 'string',
      valueName: 'manifest|file|id',
      description:
        'features/<name>.yaml (computed after policy lint), a release .json from registry release --out, or a recorded release id',
    },
    commit: {
      type: 'string',
      valueName: 'sha',
      description: 'the commit deployed (required with a manifest)',
    },
    image: { type: 'string', valueName: 'ref', description: 'the image deployed (required with a manifest)' },
    init: { type: 'boolean', description: "create the state: this environment's first deploy" },
    actor: actorOption,
  },
  positionals: [],
  examples: [
    {
      command:
        'airlock deploy record --env production --release features/support-bot.yaml --commit $GITHUB_SHA --image ghcr.io/org/bot:$GITHUB_SHA',
      description: 'after the deploy job',
    },
    {
      command: 'airlock deploy record --env staging --release release.json --init',
      description: "a release file; the environment's first deploy",
    },
  ],
  async run(context, options) {
    const key = keyOf(context, options);
    const service = context.deployState();
    const actor = context.actor(options.actor);
    let state: DeployState | undefined;
    try {
      state = (await service.read(key)).state;
    } catch (error) {
      if (!(error instanceof AirlockError && error.code === 'STATE_MISSING' && options.init === true))
        throw error;
    }
    const build = await resolveRelease(context, required('release', options.release), options, state);
    const result = await service.record(key, { ...build, actor, init: options.init === true });
    context.output.result(
      {
        environment: key.environment,
        namespace: key.namespace,
        changed: result.changed,
        deployment: result.deployment,
      },
      () => [
        ...(state?.rollout && result.changed
          ? [
              context.output.yellow(
                `the rollout of deployment #${state.rollout.seq} (stage ${state.rollout.stage}, ${state.rollout.trafficPct}%) ended: the new deployment is what runs`,
              ),
            ]
          : []),
        result.changed
          ? `recorded ${describe(result.deployment)} in ${where(key)}`
          : `already current in ${where(key)}: ${describe(result.deployment)}; nothing changed`,
        `state   ${service.locate(key)} (revision ${result.state.revision})`,
      ],
    );
    return 0;
  },
};

export const deployMarkGoodCommand: CommandDefinition = {
  words: ['deploy', 'mark-good'],
  summary: "mark the current deployment known-good (after its post-deploy checks): a rollback's target",
  options: {
    ...keyOptions,
    expect: {
      type: 'string',
      valueName: 'release',
      description: 'refuse unless this (release id, digest or image) is what is current',
    },
    actor: actorOption,
  },
  positionals: [],
  examples: [
    {
      command: 'airlock deploy mark-good --env production --expect gpt-4o/2024-11-20/v3',
      description: 'after the smoke tests passed against what was deployed',
    },
  ],
  async run(context, options) {
    const key = keyOf(context, options);
    const result = await context.deployState().markGood(key, {
      actor: context.actor(options.actor),
      ...(typeof options.expect === 'string' ? { expect: options.expect } : {}),
    });
    context.output.result({ changed: result.changed, deployment: result.deployment }, () => [
      result.changed
        ? `known-good in ${where(key)}: ${describe(result.deployment)}`
        : `already known-good in ${where(key)}: ${describe(result.deployment)}`,
    ]);
    return 0;
  },
};

export const deployRollbackCommand: CommandDefinition = {
  words: ['deploy', 'rollback'],
  summary: 'roll back to the last known-good release (halts instead past the rollback-rate limit)',
  description:
    'Picks the last known-good release other than the current one, never a release already rolled back\n' +
    'from, runs the deploy command (--exec, else deploy.command in airlock.yaml) with {image} {commit}\n' +
    '{release} {env} {namespace} filled in, and records the rollback as done only if it exits 0; when it\n' +
    'fails (or is stopped by Ctrl-C / a cancelled job) the attempt is recorded as failed and it exits 4.\n' +
    'Without a command it refuses, unless --record-only (you deploy the image yourself).\n' +
    'More than deploy.rollback_limit.count rollbacks (2) within its window (1h) halts the environment\n' +
    'instead (exit 3): nothing is deployed, and record/rollback are refused until deploy unhalt.\n' +
    'A state older than --max-age (deploy.max_age, 1h) is refused (exit 6) unless --allow-stale.',
  options: {
    ...keyOptions,
    reason: { type: 'string', valueName: 'text', description: 'why (recorded, and in the audit log)' },
    ...rollbackOptions,
    actor: actorOption,
  },
  positionals: [],
  examples: [
    {
      command:
        'airlock deploy rollback --env production --reason "gate failed on $GITHUB_SHA" --exec "kubectl -n bot set image deploy/bot bot={image}"',
      description: 'in the pipeline, when the quality gate fails',
    },
  ],
  async run(context, options) {
    const key = keyOf(context, options);
    const command = typeof options.exec === 'string' ? options.exec : context.config().deploy.command;
    const maxAgeMs = durationOf('max-age', options['max-age']);
    const outcome = await rollBack(context, key, {
      actor: context.actor(options.actor),
      reason: required('reason', options.reason),
      allowStale: options['allow-stale'] === true,
      ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
      ...(command === undefined ? {} : { command }),
      recordOnly: options['record-only'] === true,
    });
    const { rollback } = outcome;
    context.output.result({ rollback, current: outcome.current }, () => [
      `rolled back ${where(key)}: #${rollback.from.seq} ${rollback.from.releaseId} → ${describe(outcome.current)}`,
      command === undefined
        ? context.output.yellow(`recorded only (--record-only): deploy ${rollback.to.image} yourself`)
        : `deployed with: ${command}`,
    ]);
    return 0;
  },
};

export const deployStatusCommand: CommandDefinition = {
  words: ['deploy', 'status'],
  summary: 'what runs in an environment, what a rollback would return to, halts and recent rollbacks',
  options: { ...keyOptions },
  positionals: [],
  examples: [{ command: 'airlock deploy status --env production --json', description: 'for a script' }],
  async run(context, options) {
    const key = keyOf(context, options);
    const view = await context.deployState().read(key);
    const { state } = view;
    const limit = context.config().deploy.rollbackLimit;
    const recent = rollbacksInWindow(state, new Date(), limit);
    const target = rollbackTarget(state);
    const data = {
      environment: state.environment,
      namespace: state.namespace,
      location: view.location,
      revision: state.revision,
      updatedAt: state.updatedAt,
      updatedBy: state.updatedBy,
      ageMs: view.ageMs,
      stale: view.stale,
      current: state.current,
      rollbackTarget: target ?? null,
      halt: state.halt,
      pendingRollback: state.pendingRollback,
      rollout: state.rollout,
      rollbacksInWindow: recent.length,
      rollbackLimit: limit,
    };
    context.output.result(data, () => [
      `${context.output.bold(where(key))}  ${view.location}`,
      `current      ${describe(state.current)}`,
      `rollback to  ${describe(target)}`,
      `halt         ${state.halt ? context.output.red(`since ${state.halt.since}: ${state.halt.reason}`) : 'none'}`,
      ...(state.pendingRollback
        ? [
            `in progress  rollback to ${state.pendingRollback.to.releaseId} by ${state.pendingRollback.by} since ${state.pendingRollback.since}`,
          ]
        : []),
      ...(state.rollout
        ? [
            `rollout      stage ${state.rollout.stage} at ${state.rollout.trafficPct}% since ${state.rollout.stageStartedAt} (${state.rollout.policy}${state.rollout.emergency ? ', emergency path' : ''})`,
          ]
        : []),
      `rollbacks    ${recent.length} of ${limit.count} allowed within ${formatDuration(limit.windowMs)}`,
      `updated      ${state.updatedAt} by ${state.updatedBy} (${formatDuration(view.ageMs)} ago${view.stale ? `, ${context.output.yellow('stale: a rollback needs --allow-stale')}` : ''}), revision ${state.revision}`,
    ]);
    return 0;
  },
};

export const deployHistoryCommand: CommandDefinition = {
  words: ['deploy', 'history'],
  summary: "an environment's deployments and rollbacks, newest first",
  options: {
    ...keyOptions,
    limit: { type: 'string', valueName: 'n', description: 'at most this many deployments (default 20)' },
  },
  positionals: [],
  examples: [
    { command: 'airlock deploy history --env production', description: 'what ran, and what was rolled back' },
  ],
  async run(context, options) {
    const key = keyOf(context, options);
    const limit = options.limit === undefined ? 20 : positiveInteger('limit', options.limit);
    const { state } = await context.deployState().read(key);
    const deployments = [...state.history].reverse().slice(0, limit);
    const rollbacks = [...state.rollbacks].reverse().slice(0, limit);
    context.output.result({ deployments, rollbacks, halt: state.halt, unhalts: state.unhalts }, () => [
      ...formatTable(
        ['#', 'KIND', 'RELEASE', 'IMAGE', 'OUTCOME', 'BY', 'AT'],
        deployments.map((entry) => [
          String(entry.seq),
          entry.kind,
          entry.release.id,
          entry.image,
          entry.outcome,
          entry.by,
          entry.at,
        ]),
      ),
      ...(rollbacks.length === 0
        ? []
        : [
            '',
            ...formatTable(
              ['ROLLBACK', 'FROM', 'TO', 'STATUS', 'BY', 'AT', 'REASON'],
              rollbacks.map((rollback) => [
                rollback.id,
                `#${rollback.from.seq} ${rollback.from.releaseId}`,
                `#${rollback.to.seq} ${rollback.to.releaseId}`,
                rollback.status,
                rollback.by,
                rollback.at,
                rollback.reason,
              ]),
            ),
          ]),
    ]);
    return 0;
  },
};

export const deployUnhaltCommand: CommandDefinition = {
  words: ['deploy', 'unhalt'],
  summary: 'clear a halt (release-manager role, with a reason; recorded in the audit log)',
  options: {
    ...keyOptions,
    reason: { type: 'string', valueName: 'text', description: 'why it is safe to go on' },
    role: {
      type: 'string',
      valueName: 'role',
      description: 'the role you act in: release-manager (or admin)',
    },
    actor: actorOption,
  },
  positionals: [],
  examples: [
    {
      command:
        'airlock deploy unhalt --env production --role release-manager --reason "flaky smoke test fixed in #412"',
      description: 'after finding why it rolled back three times',
    },
  ],
  async run(context, options) {
    const key = keyOf(context, options);
    const state = await context.deployState().unhalt(key, {
      actor: context.actor(options.actor),
      role: roleOf(options.role),
      reason: required('reason', options.reason),
    });
    context.output.result(
      { environment: key.environment, namespace: key.namespace, unhalt: state.unhalts.at(-1) },
      () => [`${where(key)} is no longer halted; rollbacks before now no longer count toward the limit`],
    );
    return 0;
  },
};

export const deployProbeCommand: CommandDefinition = {
  words: ['deploy', 'probe'],
  summary: 'check the deploy-state store enforces conditional writes (S3: If-Match / If-None-Match)',
  options: {},
  positionals: [],
  examples: [{ command: 'airlock deploy probe', description: 'before trusting a new S3-compatible server' }],
  async run(context) {
    const deploy = context.config().deploy;
    const s3 = deploy.s3;
    if (s3 === undefined) {
      context.output.result({ store: 'file', dir: deploy.dir, enforced: true }, () => [
        `local file store ${deploy.dir}: a lock the kernel releases plus compare-and-swap; safe for writers on this machine`,
      ]);
      return 0;
    }
    const probe = await probeConditionalWrites({
      client: s3ClientFor(s3),
      bucket: s3.bucket,
      prefix: s3.prefix,
    });
    context.output.result({ store: 's3', ...probe, accepted: s3.acceptUnenforcedConditionalWrites }, () => [
      probe.enforced
        ? context.output.green(`${probe.location} enforces conditional writes: ${probe.detail}`)
        : context.output.red(`${probe.location} does NOT enforce conditional writes: ${probe.detail}`),
      ...(probe.enforced
        ? []
        : [
            s3.acceptUnenforcedConditionalWrites
              ? 'accepted in airlock.yaml (accept_unenforced_conditional_writes): two racing writers could both win'
              : 'deploy commands refuse this store unless deploy.s3.accept_unenforced_conditional_writes is true',
          ]),
    ]);
    return probe.enforced ? 0 : 1;
  },
};
