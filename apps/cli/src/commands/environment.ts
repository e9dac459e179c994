import { AirlockError, parseDuration } from '@airlock/core';
import type { Deployment, RollbackOutcome, StateKey } from '@airlock/deploy-state';
import type { OptionSpec, OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { shellDeployRunner } from './deploy-command.ts';
import { required } from './shared-options.ts';

/** The flags of a rollback: how to deploy, or that the caller deploys. */
export const rollbackOptions: Record<string, OptionSpec> = {
  exec: {
    type: 'string',
    valueName: 'command',
    description:
      'the deploy command, run with sh -c; {image} {commit} {release} {env} {namespace} are filled in shell-quoted (do not quote them again) and set as AIRLOCK_DEPLOY_IMAGE, …_COMMIT, …_RELEASE, …_ENV, …_NAMESPACE',
  },
  'record-only': {
    type: 'boolean',
    description: 'record the rollback without running a command (you deploy the image yourself)',
  },
  'allow-stale': { type: 'boolean', description: 'act on a state older than --max-age (after checking it)' },
  'max-age': { type: 'string', valueName: 'duration', description: 'how old the state may be (default 1h)' },
};

/** Options shared by the commands that act on one environment's deploy state. */
export const keyOptions: Record<string, OptionSpec> = {
  env: { type: 'string', valueName: 'name', description: 'the environment (production, staging, …)' },
  namespace: {
    type: 'string',
    valueName: 'name',
    description:
      'the namespace the environment is in (default: deploy.namespace in airlock.yaml, else default)',
  },
};

/** The environment and namespace a command acts on. */
export function keyOf(context: CommandContext, options: OptionValues): StateKey {
  return {
    environment: required('env', options.env),
    namespace: typeof options.namespace === 'string' ? options.namespace : context.config().deploy.namespace,
  };
}

/** A `--flag <duration>` (30m, 1h, 1h30m). */
export function durationOf(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) {
    throw new AirlockError(
      'INVALID_INPUT',
      `--${flag}: expected a duration such as 30m, 1h or 1h30m, got "${String(value)}"`,
    );
  }
  return ms;
}

/** One deployment, for people. */
export function describe(deployment: Deployment | null | undefined): string {
  if (!deployment) return '-';
  return `#${deployment.seq} ${deployment.release.id} ${deployment.image} (${deployment.outcome})`;
}

/** An environment and its namespace, for people. */
export const where = (key: StateKey) => `${key.environment} (namespace ${key.namespace})`;

/**
 * Rolls back through the deploy-state service with the shell deploy command, when there is one,
 * and turns a failed command into UPSTREAM_FAILED (exit 4). `deploy rollback` and `rollout
 * evaluate` both roll back this way, so the rate limit and the halt apply to both.
 */
export async function rollBack(
  context: CommandContext,
  key: StateKey,
  input: {
    actor: string;
    reason: string;
    allowStale?: boolean;
    maxAgeMs?: number;
    command?: string;
    /** Record the rollback without running anything: the caller deploys the image itself. */
    recordOnly?: boolean;
  },
): Promise<RollbackOutcome> {
  const { command, recordOnly, ...rest } = input;
  if (command === undefined && recordOnly !== true) {
    // Recording "rolled back" when nothing was deployed would make the state lie about what runs.
    throw new AirlockError(
      'INVALID_INPUT',
      'no deploy command: give --exec "<command with {image}>" or deploy.command in airlock.yaml, or --record-only if you deploy the image yourself',
    );
  }
  const outcome = await context.deployState().rollback(key, {
    ...rest,
    ...(command === undefined
      ? {}
      : {
          command,
          deploy: shellDeployRunner({
            command,
            key,
            cwd: context.io.cwd,
            env: context.io.env,
            output: context.io.stderr,
            waitForShutdown: context.io.waitForShutdown,
          }),
        }),
  });
  const { rollback } = outcome;
  if (rollback.status !== 'done') {
    throw new AirlockError(
      'UPSTREAM_FAILED',
      `rollback of ${where(key)} to ${rollback.to.releaseId} failed: ${rollback.detail ?? 'the deploy command failed'}. Recorded as failed (it counts toward the limit); ${rollback.from.releaseId} is still current`,
      { context: { rollback } },
    );
  }
  return outcome;
}
