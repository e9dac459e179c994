import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type S3TestServer, startS3Server } from '@airlock/test-servers';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';
import { writeReleaseFile } from './release-files.ts';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

function project(prefix: string, accept: boolean) {
  const cwd = temporaryDirectory('airlock-deploy-s3-');
  writeFileSync(
    join(cwd, 'airlock.yaml'),
    [
      'deploy:',
      '  namespace: support',
      '  s3:',
      `    bucket: ${server.bucket}`,
      `    prefix: ${prefix}`,
      `    endpoint: ${server.endpoint}`,
      '    force_path_style: true',
      `    accept_unenforced_conditional_writes: ${accept}`,
      '',
    ].join('\n'),
  );
  for (const n of [1, 2]) writeReleaseFile(cwd, n);
  const env = { AIRLOCK_ACTOR: 'ci@corp', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  return { cwd, run: (...args: string[]) => runCli(args, { cwd, env }) };
}

describe('airlock deploy with the state in S3', () => {
  it('probes the server, and refuses one that ignores conditional writes unless accepted', {
    timeout: 60_000,
  }, async () => {
    const { run } = project('refuse/', false);
    const probe = await run('deploy', 'probe');
    expect(probe.code).toBe(1);
    expect(probe.stdout).toMatch(/does NOT enforce conditional writes/);
    expect(probe.stdout).toMatch(
      /refuse this store unless deploy\.s3\.accept_unenforced_conditional_writes is true/,
    );
    const refused = await run(
      'deploy',
      'record',
      '--env',
      'production',
      '--release',
      'release-1.json',
      '--init',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/does not enforce conditional writes/);
    const status = await run('deploy', 'status', '--env', 'production');
    expect(status.code).toBe(5);
    expect(status.stderr).toMatch(
      /no deploy state at s3:\/\/.*\/refuse\/support\/production\/deploy_state\.json/,
    );
  });

  it('records, marks good, rolls back and reports status through S3 when accepted', {
    timeout: 60_000,
  }, async () => {
    const { run } = project('accept/', true);
    const env = ['--env', 'production'];
    expect((await run('deploy', 'record', ...env, '--release', 'release-1.json', '--init')).code).toBe(0);
    expect((await run('deploy', 'mark-good', ...env)).code).toBe(0);
    expect((await run('deploy', 'record', ...env, '--release', 'release-2.json')).code).toBe(0);
    const rollback = await run('deploy', 'rollback', ...env, '--reason', 'gate failed', '--record-only');
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/#2 gpt-4o\/2024-11-20\/v2 → #3 gpt-4o\/2024-11-20\/v1/);
    const status = JSON.parse((await run('deploy', 'status', ...env, '--json')).stdout);
    expect(status).toMatchObject({
      namespace: 'support',
      location: `s3://${server.bucket}/accept/support/production/deploy_state.json`,
      revision: 4,
      current: { seq: 3, kind: 'rollback', release: { id: 'gpt-4o/2024-11-20/v1' } },
      rollbacksInWindow: 1,
    });
  });
});
