import { spawnSync } from 'node:child_process';
import { AirlockError } from '@airlock/core';

/**
 * Who is acting, for the audit log and separation of duties: `--actor`, else AIRLOCK_ACTOR,
 * else git's user.email in the working folder. Nobody → refused: an unattributed change is
 * exactly what the audit log exists to prevent.
 */
export function resolveActor(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
  flagName = '--actor',
): string {
  const given = flag?.trim() || env.AIRLOCK_ACTOR?.trim();
  if (given) return given;
  const git = spawnSync('git', ['config', 'user.email'], { cwd, encoding: 'utf8' });
  const email = git.status === 0 ? git.stdout.trim() : '';
  if (email) return email;
  throw new AirlockError(
    'INVALID_INPUT',
    `who is acting? pass ${flagName} <you@example.com>, set AIRLOCK_ACTOR, or set git config user.email`,
  );
}
