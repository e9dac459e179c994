import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, formatSourceIssue, parseYamlDocument } from '@airlock/core';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from './project-config.ts';
import { projectConfigSchema } from './schema.ts';
import { projectConfigTemplate } from './template.ts';

function project(yaml?: string): string {
  const dir = temporaryDirectory('airlock-config-');
  if (yaml !== undefined) writeFileSync(join(dir, 'airlock.yaml'), yaml);
  return dir;
}

function problems(dir: string): string[] {
  try {
    loadProjectConfig({ cwd: dir });
  } catch (error) {
    if (error instanceof AirlockError) return error.issues.map(formatSourceIssue);
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('airlock.yaml', () => {
  it('runs on the embedded defaults when there is no file', () => {
    const dir = project();
    const config = loadProjectConfig({ cwd: dir });
    expect(config.file).toBeUndefined();
    expect(config.storePath).toBe(join(dir, '.airlock/airlock.db'));
    expect(config.cacheDir).toBe(join(dir, '.airlock/cache'));
    expect(config.remote).toBeUndefined();
  });

  it('resolves paths against the file, found from a subfolder', () => {
    const dir = project('store:\n  path: data/state.db\nremote:\n  s3:\n    bucket: team-bucket\n');
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    const config = loadProjectConfig({ cwd: join(dir, 'src', 'deep') });
    expect(config.file).toBe(join(dir, 'airlock.yaml'));
    expect(config.storePath).toBe(join(dir, 'data/state.db'));
    expect(config.remote).toEqual({
      bucket: 'team-bucket',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: false,
    });
  });

  it('the template init writes is valid and equals the defaults', () => {
    const fromTemplate = parseYamlDocument(projectConfigTemplate, {
      file: 'airlock.yaml',
      schema: projectConfigSchema,
    });
    expect(fromTemplate.store.path).toBe('.airlock/airlock.db');
    expect(fromTemplate.providers.openai).toEqual({
      type: 'openai',
      api_key_env: 'OPENAI_API_KEY',
      stream: false,
    });
  });

  it('reports every problem with its line and column', () => {
    const dir = project(
      [
        'version: 1',
        'store:',
        '  path: 42',
        'cahce:',
        '  dir: x',
        'remote:',
        '  s3:',
        '    region: eu-west-1',
      ].join('\n'),
    );
    expect(problems(dir)).toEqual([
      'airlock.yaml:3:9: store.path: expected string, received number',
      'airlock.yaml:4:1: unknown key "cahce" at the top level (expected one of: version, store, cache, remote, prices, deploy, predictions, providers)',
      'airlock.yaml:7:3: missing required key "bucket" in remote.s3 (expected string)',
    ]);
  });

  it('reports broken YAML at the place it breaks', () => {
    const dir = project('store:\n  path: [unclosed\ncache: {}\n');
    const lines = problems(dir);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^airlock\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('refuses a --config path that does not exist', () => {
    const dir = project();
    expect(() => loadProjectConfig({ cwd: dir, path: 'missing.yaml' })).toThrow(
      /missing\.yaml: no such file/,
    );
  });
});

describe('airlock.yaml defaults and naming', () => {
  it('defaults to OpenAI as the provider, and a listed provider set replaces it', () => {
    expect(loadProjectConfig({ cwd: project() }).providers).toEqual({
      openai: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY', stream: false },
    });
    const dir = project(
      'providers:\n  local:\n    base_url: http://127.0.0.1:8000/v1\n    api_key_env: LOCAL_KEY\n',
    );
    expect(loadProjectConfig({ cwd: dir }).providers).toEqual({
      local: { type: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'LOCAL_KEY', stream: false },
    });
  });

  it('names a --config file the way it was given', () => {
    const dir = project();
    writeFileSync(join(dir, 'team.yaml'), 'store: 3\n');
    const absolute = join(dir, 'team.yaml');
    expect(() => loadProjectConfig({ cwd: '/', path: absolute })).toThrowError(
      expect.objectContaining({ issues: [expect.objectContaining({ file: absolute })] }),
    );
  });
});

describe('airlock.yaml deploy section', () => {
  it('defaults to a local store, 1 h age limit and 2 rollbacks per hour', () => {
    const dir = project();
    expect(loadProjectConfig({ cwd: dir }).deploy).toEqual({
      namespace: 'default',
      maxAgeMs: 3_600_000,
      rollbackLimit: { count: 2, windowMs: 3_600_000 },
      dir: join(dir, '.airlock/deploy'),
    });
  });

  it('reads durations, the S3 store and a bad duration with its line', () => {
    const dir = project(
      'deploy:\n  max_age: 30m\n  rollback_limit:\n    count: 3\n    window: 2h\n  s3:\n    bucket: team-state\n',
    );
    expect(loadProjectConfig({ cwd: dir }).deploy).toMatchObject({
      maxAgeMs: 1_800_000,
      rollbackLimit: { count: 3, windowMs: 7_200_000 },
      s3: { bucket: 'team-state', acceptUnenforcedConditionalWrites: false },
    });
    expect(problems(project('deploy:\n  max_age: 60\n'))).toEqual([
      'airlock.yaml:2:12: deploy.max_age: expected a duration such as 30m, 1h or 1h30m',
    ]);
  });
});
