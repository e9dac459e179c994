import { spawn } from 'node:child_process';
import { AirlockError } from '@airlock/core';
import type { Deployment, DeployRunner, StateKey } from '@airlock/deploy-state';
import type { OutputStream } from '../io.ts';

const placeholders = ['image', 'commit', 'release', 'env', 'namespace'] as const;

/** Quotes a value for `sh`, so an image reference can never become shell syntax. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The rollback's deploy command: `{image}`, `{commit}`, `{release}`, `{env}` and `{namespace}`
 * are replaced by the shell-quoted values (also given as AIRLOCK_DEPLOY_* environment variables),
 * the command runs under `sh -c` with its output on stderr (stdout stays the CLI's, for --json),
 * and its exit status decides whether the rollback is recorded as done.
 */
export function shellDeployRunner(options: {
  command: string;
  key: StateKey;
  cwd: string;
  env: Record<string, string | undefined>;
  output: OutputStream;
  /** Resolves when the CLI is asked to stop (Ctrl-C, a cancelled CI job). */
  waitForShutdown: () => Promise<void>;
}): DeployRunner {
  const unknown = [...options.command.matchAll(/\{([a-z_]+)\}/g)]
    .map((match) => match[1] as string)
    .filter((name) => !(placeholders as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new AirlockError(
      'INVALID_INPUT',
      `the deploy command uses {${unknown.join('}, {')}}; it may use ${placeholders.map((name) => `{${name}}`).join(' ')}`,
    );
  }
  return (target: Deployment) => {
    const values: Record<(typeof placeholders)[number], string> = {
      image: target.image,
      commit: target.commit,
      release: target.release.id,
      env: options.key.environment,
      namespace: options.key.namespace,
    };
    const command = options.command.replace(/\{([a-z_]+)\}/g, (_, name: (typeof placeholders)[number]) =>
      shellQuote(values[name]),
    );
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', command], {
        cwd: options.cwd,
        env: {
          ...options.env,
          AIRLOCK_DEPLOY_IMAGE: values.image,
          AIRLOCK_DEPLOY_COMMIT: values.commit,
          AIRLOCK_DEPLOY_RELEASE: values.release,
          AIRLOCK_DEPLOY_ENV: values.env,
          AIRLOCK_DEPLOY_NAMESPACE: values.namespace,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so stopping it stops what it started too (kubectl, sleep, …).
        detached: true,
      });
      child.stdout.on('data', (chunk: Buffer) => options.output.write(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => options.output.write(chunk.toString()));
      // A cancelled job must not leave the command running while the state says nothing runs:
      // pass the stop on, wait for the command to end, and record the attempt as failed.
      let stopped = false;
      void options.waitForShutdown().then(() => {
        stopped = true;
        options.output.write('stopping the deploy command (SIGTERM); the rollback is recorded as failed\n');
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
        } catch {
          // It ended on its own meanwhile.
        }
      });
      child.on('error', (error) =>
        resolve({ ok: false, detail: `the deploy command did not start: ${error.message}` }),
      );
      child.on('close', (code, signal) => {
        if (stopped)
          resolve({ ok: false, detail: 'interrupted: the deploy command was stopped before it finished' });
        else if (code === 0) resolve({ ok: true });
        else
          resolve({
            ok: false,
            detail: signal
              ? `the deploy command was killed (${signal})`
              : `the deploy command exited ${code}`,
          });
      });
    });
  };
}
