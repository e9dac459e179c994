import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { airlockBin, runCli } from './cli-process.ts';
import { commitOf, writeReleaseFile } from './release-files.ts';

function project(yaml = '') {
  const cwd = temporaryDirectory('airlock-deploy-cli-');
  if (yaml !== '') writeFileSync(join(cwd, 'airlock.yaml'), yaml);
  const env = { AIRLOCK_ACTOR: 'ci@corp' };
  const run = (...args: string[]) => runCli(args, { cwd, env });
  const stateFile = join(cwd, '.airlock', 'deploy', 'default', 'production', 'deploy_state.json');
  return { cwd, run, stateFile };
}

async function threeReleases(run: ReturnType<typeof project>['run'], cwd: string) {
  const env = ['--env', 'production'];
  expect((await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, 1), '--init')).code).toBe(
    0,
  );
  expect((await run('deploy', 'mark-good', ...env)).code).toBe(0);
  expect((await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, 2))).code).toBe(0);
  expect((await run('deploy', 'mark-good', ...env, '--expect', 'gpt-4o/2024-11-20/v2')).code).toBe(0);
  expect((await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, 3))).code).toBe(0);
}

describe('airlock deploy', () => {
  it('rolls back to the last known-good twice, halts on the third, and refuses record until unhalt', {
    timeout: 120_000,
  }, async () => {
    const { cwd, run } = project();
    await threeReleases(run, cwd);
    const exec = ['--exec', 'echo {release} {image} >> deployed.log'];
    const first = await run('deploy', 'rollback', '--env', 'production', '--reason', 'gate failed', ...exec);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /rolled back production \(namespace default\): #3 gpt-4o\/2024-11-20\/v3 → #4 gpt-4o\/2024-11-20\/v2/,
    );
    const second = await run('deploy', 'rollback', '--env', 'production', '--reason', 'gate failed', ...exec);
    expect(second.stdout).toMatch(/#4 gpt-4o\/2024-11-20\/v2 → #5 gpt-4o\/2024-11-20\/v1/);
    const third = await run('deploy', 'rollback', '--env', 'production', '--reason', 'gate failed', ...exec);
    expect(third.code).toBe(3);
    expect(third.stderr).toMatch(
      /production halted: a rollback was asked for after 2 within 60 min \(the limit is 2\); it was not performed/,
    );
    expect(readFileSync(join(cwd, 'deployed.log'), 'utf8')).toBe(
      `gpt-4o/2024-11-20/v2 ghcr.io/org/bot:${commitOf(2).slice(0, 12)}\ngpt-4o/2024-11-20/v1 ghcr.io/org/bot:${commitOf(1).slice(0, 12)}\n`,
    );
    const refused = await run(
      'deploy',
      'record',
      '--env',
      'production',
      '--release',
      writeReleaseFile(cwd, 4),
    );
    expect(refused.code).toBe(3);
    const status = JSON.parse((await run('deploy', 'status', '--env', 'production', '--json')).stdout);
    expect(status).toMatchObject({
      halt: { rollbacks: 2 },
      current: { seq: 5, outcome: 'known-good' },
      rollbackTarget: null,
    });

    const notAllowed = await run(
      'deploy',
      'unhalt',
      '--env',
      'production',
      '--role',
      'deployer',
      '--reason',
      'go',
    );
    expect(notAllowed.code).toBe(2);
    expect(notAllowed.stderr).toMatch(/needs the release-manager role/);
    const cleared = await run(
      'deploy',
      'unhalt',
      '--env',
      'production',
      '--role',
      'release-manager',
      '--reason',
      'fixed',
      '--actor',
      'rm@corp',
    );
    expect(cleared.code).toBe(0);
    expect(
      (await run('deploy', 'record', '--env', 'production', '--release', writeReleaseFile(cwd, 4))).code,
    ).toBe(0);
    const audit = JSON.parse((await run('audit', 'log', '--subject', 'default/production', '--json')).stdout);
    expect(audit.entries.map((entry: { action: string }) => entry.action)).toEqual([
      'deploy.record',
      'deploy.mark-good',
      'deploy.record',
      'deploy.mark-good',
      'deploy.record',
      'deploy.rollback',
      'deploy.rollback',
      'deploy.halt',
      'deploy.unhalt',
      'deploy.record',
    ]);
    expect((await run('audit', 'verify')).code).toBe(0);
  });

  it('a failing deploy command: recorded as failed, exit 4, nothing changes what runs', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    await threeReleases(run, cwd);
    const failed = await run(
      'deploy',
      'rollback',
      '--env',
      'production',
      '--reason',
      'gate',
      '--exec',
      'echo no >&2; exit 7',
    );
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain('no\n');
    expect(failed.stderr).toMatch(/the deploy command exited 7\. Recorded as failed/);
    const status = JSON.parse((await run('deploy', 'status', '--env', 'production', '--json')).stdout);
    expect(status.current.seq).toBe(3);
  });

  it('refuses to record a rollback it did not deploy unless --record-only; a cancelled job records it failed', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run, stateFile } = project();
    await threeReleases(run, cwd);
    const before = readFileSync(stateFile, 'utf8');
    const noCommand = await run('deploy', 'rollback', '--env', 'production', '--reason', 'gate');
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/no deploy command: give --exec .* or --record-only/);
    expect(readFileSync(stateFile, 'utf8')).toBe(before);

    // A CI job cancelled mid-deploy: SIGTERM to airlock stops the command and records the attempt.
    const child = spawn(
      process.execPath,
      [
        airlockBin,
        'deploy',
        'rollback',
        '--env',
        'production',
        '--reason',
        'gate',
        '--exec',
        'echo started > started.log; sleep 30; echo finished > finished.log',
      ],
      {
        cwd,
        env: { ...process.env, AIRLOCK_ACTOR: 'ci@corp', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    while (!existsSync(join(cwd, 'started.log'))) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(4);
    expect(stderr).toMatch(/interrupted: the deploy command was stopped before it finished/);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(state.pendingRollback).toBeNull();
    expect(state.current.seq).toBe(3);
    expect(state.rollbacks.at(-1)).toMatchObject({ status: 'failed' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(existsSync(join(cwd, 'finished.log'))).toBe(false);
  });

  it('refuses reusable image tags and bad input, writing nothing', { timeout: 60_000 }, async () => {
    const { cwd, run, stateFile } = project();
    const file = writeReleaseFile(cwd, 1);
    const release = JSON.parse(readFileSync(join(cwd, file), 'utf8'));
    writeFileSync(
      join(cwd, 'tampered.json'),
      JSON.stringify({ ...release, image: 'ghcr.io/org/bot:latest' }),
    );
    const tampered = await run(
      'deploy',
      'record',
      '--env',
      'production',
      '--release',
      'tampered.json',
      '--init',
    );
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(/edited after it was computed/);
    const byFlag = await run(
      'deploy',
      'record',
      '--env',
      'production',
      '--release',
      file,
      '--image',
      'x:latest',
      '--init',
    );
    expect(byFlag.code).toBe(2);
    const typo = await run('deploy', 'stats', '--env', 'production');
    expect(typo.stderr).toBe(
      'error: unknown command "deploy stats"; did you mean "deploy status"? (see airlock deploy --help)\n',
    );
    const badEnv = await run('deploy', 'status', '--env', '../etc');
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/environment "\.\.\/etc" is not a name/);
    expect(existsSync(stateFile)).toBe(false);
  });

  it("missing, stale, another environment's and corrupted state: exit 5, 6, 7, 8, nothing overwritten", {
    timeout: 60_000,
  }, async () => {
    const { cwd, run, stateFile } = project('deploy:\n  max_age: 1h\n');
    const missing = await run(
      'deploy',
      'rollback',
      '--env',
      'production',
      '--reason',
      'gate',
      '--record-only',
    );
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/no deploy state at .*deploy_state\.json/);
    expect(
      (await run('deploy', 'record', '--env', 'production', '--release', writeReleaseFile(cwd, 1))).code,
    ).toBe(5);
    await threeReleases(run, cwd);

    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const old = { ...state, updatedAt: new Date(Date.now() - 2 * 3600_000).toISOString() };
    writeFileSync(stateFile, JSON.stringify(old, null, 2));
    const stale = await run('deploy', 'rollback', '--env', 'production', '--reason', 'gate', '--record-only');
    expect(stale.code).toBe(6);
    expect(stale.stderr).toMatch(/was last written 120 min ago \(limit 60 min\)/);
    const before = readFileSync(stateFile, 'utf8');
    expect(
      (
        await run(
          'deploy',
          'rollback',
          '--env',
          'production',
          '--reason',
          'gate',
          '--max-age',
          '3h',
          '--record-only',
        )
      ).code,
    ).toBe(0);
    writeFileSync(stateFile, before);
    expect(
      (
        await run(
          'deploy',
          'rollback',
          '--env',
          'production',
          '--reason',
          'gate',
          '--allow-stale',
          '--record-only',
        )
      ).code,
    ).toBe(0);

    const wrong = JSON.stringify({ ...JSON.parse(before), environment: 'staging' }, null, 2);
    writeFileSync(stateFile, wrong);
    const mismatch = await run('deploy', 'mark-good', '--env', 'production');
    expect(mismatch.code).toBe(7);
    expect(mismatch.stderr).toMatch(
      /holds the state of staging in namespace default, not production in default/,
    );
    expect(readFileSync(stateFile, 'utf8')).toBe(wrong);

    writeFileSync(stateFile, before.slice(0, 200));
    const corrupt = await run(
      'deploy',
      'record',
      '--env',
      'production',
      '--release',
      writeReleaseFile(cwd, 4),
    );
    expect(corrupt.code).toBe(8);
    expect(corrupt.stderr).toMatch(/deploy_state\.json:\d+:\d+: not JSON/);
    expect(readFileSync(stateFile, 'utf8')).toBe(before.slice(0, 200));
  });

  it('20 processes racing to roll back: at most 2 performed, the file always parses, no update lost', {
    timeout: 180_000,
  }, async () => {
    const { cwd, run, stateFile } = project();
    await threeReleases(run, cwd);
    const startRevision = JSON.parse(readFileSync(stateFile, 'utf8')).revision;
    let reads = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        JSON.parse(readFileSync(stateFile, 'utf8'));
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const racers = Array.from(
      { length: 20 },
      () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(
            process.execPath,
            [
              airlockBin,
              'deploy',
              'rollback',
              '--env',
              'production',
              '--reason',
              'race',
              '--exec',
              'echo {image} >> deployed.log',
            ],
            { cwd, env: { ...process.env, AIRLOCK_ACTOR: 'ci@corp', NO_COLOR: '1' }, stdio: 'ignore' },
          );
          child.on('close', resolve);
        }),
    );
    const codes = await Promise.all(racers);
    reading = false;
    await reader;
    const final = JSON.parse(readFileSync(stateFile, 'utf8'));
    const done = final.rollbacks.filter((rollback: { status: string }) => rollback.status === 'done');
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThanOrEqual(2);
    expect(readFileSync(join(cwd, 'deployed.log'), 'utf8').trim().split('\n')).toHaveLength(done.length);
    expect(codes.filter((code) => code === 0)).toHaveLength(done.length);
    expect(codes.every((code) => code === 0 || code === 2 || code === 3)).toBe(true);
    // Each rollback with a command is two writes (claim, result); a halt is one.
    expect(final.revision).toBe(startRevision + 2 * done.length + (final.halt === null ? 0 : 1));
    expect(reads).toBeGreaterThan(0);
    const audit = JSON.parse((await run('audit', 'log', '--action', 'deploy.rollback', '--json')).stdout);
    expect(audit.entries).toHaveLength(done.length);
  });
});
