import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type S3TestServer, startS3Server } from '@airlock/test-servers';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

function clone(prefix: string) {
  const cwd = temporaryDirectory('airlock-remote-cli-');
  mkdirSync(join(cwd, 'datasets'));
  writeFileSync(
    join(cwd, 'airlock.yaml'),
    `remote:\n  s3:\n    bucket: ${server.bucket}\n    prefix: ${prefix}\n    endpoint: ${server.endpoint}\n    force_path_style: true\n`,
  );
  const env = { AIRLOCK_ACTOR: 'dev@corp', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  return { cwd, run: (...args: string[]) => runCli(args, { cwd, env }) };
}

describe('airlock dataset push / pull against an S3-protocol server', () => {
  it('pushes from one clone and pulls the same bytes into another', { timeout: 60_000 }, async () => {
    const first = clone('cli-a/');
    const data = `${'{"q":"hello"}\n'.repeat(50)}`;
    writeFileSync(join(first.cwd, 'datasets', 'golden.jsonl'), data);
    expect((await first.run('dataset', 'pin', 'datasets/golden.jsonl')).code).toBe(0);
    const pushed = await first.run('dataset', 'push');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toBe(
      `1 of 1 object(s) sent to s3://${server.bucket}/cli-a/ (${data.length} bytes)\n`,
    );
    expect((await first.run('dataset', 'push')).stdout).toContain('0 of 1 object(s) sent');
    const status = await first.run('dataset', 'status', '--remote');
    expect(status.stdout).toMatch(/^golden +[0-9a-f]{12} +unchanged +ok +ok +datasets\/golden\.jsonl$/m);
    expect((await first.run('dataset', 'verify', '--remote')).stdout).toBe(
      'ok 1 dataset(s), 1 cache object(s) verified\n',
    );

    const second = clone('cli-a/');
    writeFileSync(
      join(second.cwd, 'datasets', 'golden.jsonl.pin.yaml'),
      readFileSync(join(first.cwd, 'datasets', 'golden.jsonl.pin.yaml')),
    );
    const pulled = await second.run('dataset', 'pull');
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toContain('1 object(s) fetched');
    expect(readFileSync(join(second.cwd, 'datasets', 'golden.jsonl'), 'utf8')).toBe(data);
    expect((await second.run('dataset', 'check')).code).toBe(0);
  });

  it('says clearly when the remote is unreachable (exit 4) or not configured (exit 2)', {
    timeout: 60_000,
  }, async () => {
    const unreachable = clone('cli-b/');
    writeFileSync(
      join(unreachable.cwd, 'airlock.yaml'),
      'remote:\n  s3:\n    bucket: nowhere\n    endpoint: http://127.0.0.1:9\n    force_path_style: true\n',
    );
    writeFileSync(join(unreachable.cwd, 'datasets', 'a.jsonl'), '{"a":1}\n');
    await unreachable.run('dataset', 'pin', 'datasets/a.jsonl');
    const failed = await unreachable.run('dataset', 'push');
    expect(failed.code).toBe(4);
    expect(failed.stderr).toMatch(/^error: checking s3:\/\/nowhere\/: /);

    rmSync(join(unreachable.cwd, 'airlock.yaml'));
    writeFileSync(join(unreachable.cwd, 'airlock.yaml'), 'version: 1\n');
    const none = await unreachable.run('dataset', 'push');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: no remote is configured: add remote.s3 to airlock.yaml\n');
  });
});
