import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { airlockBin, runCli } from './cli-process.ts';

const emptyFolder = () => temporaryDirectory('airlock-cli-');

describe('airlock, run as a process', () => {
  it('--help lists the command groups with an example and exits 0', async () => {
    const result = await runCli(['--help'], { cwd: emptyFolder() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^airlock — release gates and records for AI features/);
    expect(result.stdout).toMatch(/^ {2}init +write a commented airlock\.yaml/m);
    expect(result.stdout).toMatch(/^ {2}config +check the project file/m);
    expect(result.stdout).toMatch(/^ {2}registry +pinned models, versioned prompts/m);
    expect(result.stdout).toContain('Examples');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version'], { cwd: emptyFolder() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^airlock 0\.1\.0 \(node v24\.\d+\.\d+\)\n$/);
    const json = await runCli(['--version', '--json'], { cwd: emptyFolder() });
    expect(JSON.parse(json.stdout)).toMatchObject({ version: '0.1.0' });
  });

  it('init writes a commented airlock.yaml, then refuses to overwrite it (exit 2, file untouched)', async () => {
    const cwd = emptyFolder();
    const first = await runCli(['init'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created airlock.yaml');
    const written = readFileSync(join(cwd, 'airlock.yaml'), 'utf8');
    expect(written).toMatch(/^# airlock\.yaml/);

    writeFileSync(join(cwd, 'airlock.yaml'), `${written}# my own edit\n`);
    const second = await runCli(['init'], { cwd });
    expect(second.code).toBe(2);
    expect(second.stderr).toBe('error: airlock.yaml already exists; edit it, or remove it to start over\n');
    expect(readFileSync(join(cwd, 'airlock.yaml'), 'utf8')).toBe(`${written}# my own edit\n`);
    expect(readdirSync(cwd)).toEqual(['airlock.yaml']);
  });

  it('a malformed airlock.yaml gives one line per problem at file:line:col, exit 2, no stack trace', async () => {
    const cwd = emptyFolder();
    writeFileSync(
      join(cwd, 'airlock.yaml'),
      [
        'store:',
        '  path: 42',
        'cache:',
        '  dir: .cache',
        '  size: 10',
        'remote:',
        '  s3:',
        '    bucket: [x]',
      ].join('\n'),
    );
    const result = await runCli(['config', 'check'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'error: airlock.yaml:2:9: store.path: expected string, received number',
      'error: airlock.yaml:5:3: unknown key "size" in cache (expected one of: dir)',
      'error: airlock.yaml:8:13: remote.s3.bucket: expected string, received array',
    ]);
    expect(result.stdout).toBe('');
    expect(readdirSync(cwd)).toEqual(['airlock.yaml']);
  });

  it('broken YAML is reported where it breaks', async () => {
    const cwd = emptyFolder();
    writeFileSync(join(cwd, 'airlock.yaml'), 'store:\n  path: "unterminated\n');
    const result = await runCli(['config', 'check'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: airlock\.yaml:\d+:\d+: invalid YAML: Missing closing "quote\n$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('config check opens and migrates the store; --json is one document', async () => {
    const cwd = emptyFolder();
    await runCli(['init'], { cwd });
    const result = await runCli(['config', 'check', '--json'], { cwd, env: { OPENAI_API_KEY: 'sk-test' } });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: true,
      config: join(cwd, 'airlock.yaml'),
      store: {
        path: join(cwd, '.airlock/airlock.db'),
        migrations: {
          pending: [],
          applied: [
            'db/0001_meta',
            'registry/0001_models_prompts_audit',
            'datasets/0001_versions_stat_cache',
            'datasets/0002_stat_cache_ctime',
            'evals/0001_runs_outcomes_cache',
            'rollout/0001_predictions',
          ],
        },
      },
      providers: [{ name: 'openai', apiKeyEnv: 'OPENAI_API_KEY', apiKeySet: true }],
    });
    expect(readdirSync(join(cwd, '.airlock'))).toContain('airlock.db');
  });

  it('usage errors exit 2 and point at help', async () => {
    const cwd = emptyFolder();
    const unknown = await runCli(['deploi'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'error: unknown command "deploi"; did you mean "deploy"? (see airlock --help)\n',
    );
    const badOption = await runCli(['init', '--force'], { cwd });
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toBe("error: unknown option '--force' (see airlock init --help)\n");
    const missingConfig = await runCli(['--config', 'nope.yaml', 'config', 'check'], { cwd });
    expect(missingConfig.code).toBe(2);
    expect(missingConfig.stderr).toBe('error: nope.yaml: no such file (given with --config)\n');
  });

  it('unknown options, unknown subcommands and dash values get a message, not a page of help', async () => {
    const cwd = emptyFolder();
    const bogus = await runCli(['--bogus'], { cwd });
    expect(bogus).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "error: unknown option '--bogus' (see airlock --help)\n",
    });
    const noValue = await runCli(['--config'], { cwd });
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toMatch(/^error: option '--config <value>' argument missing/);
    const sub = await runCli(['config', 'bogus'], { cwd });
    expect(sub).toMatchObject({
      code: 2,
      stderr: 'error: unknown command "config bogus" (see airlock config --help)\n',
    });
    const dash = await runCli(['serve', '--port', '-1'], { cwd });
    expect(dash.code).toBe(2);
    expect(dash.stderr).toBe(
      'error: --port needs a value; write a value that starts with "-" as --port=<value> (see airlock serve --help)\n',
    );
    const help = await runCli(['help', 'init'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^airlock init — /);
  });

  it('init creates the folder it is pointed at', async () => {
    const cwd = emptyFolder();
    const result = await runCli(['init', '--dir', 'services/support-bot'], { cwd });
    expect(result.code).toBe(0);
    expect(readFileSync(join(cwd, 'services/support-bot/airlock.yaml'), 'utf8')).toMatch(/^# airlock\.yaml/);
  });

  it('a store path that cannot be a file is a clear input error (exit 2), never a hang or a "bug"', async () => {
    const cwd = emptyFolder();
    writeFileSync(join(cwd, 'notes.txt'), 'a file, not a folder');
    const cases: [string, RegExp][] = [
      ['notes.txt/airlock.db', /^error: the store folder \S+\/notes\.txt is a file, not a folder\n$/],
      [
        '/proc/airlock-nope/airlock.db',
        /^error: the store folder \/proc\/airlock-nope: cannot create \/proc\/airlock-nope/,
      ],
      ['.', /^error: the store \S+ is a folder; the store path names a file\n$/],
    ];
    for (const [path, message] of cases) {
      writeFileSync(join(cwd, 'airlock.yaml'), `store:\n  path: ${path}\n`);
      const result = await runCli(['config', 'check'], { cwd });
      expect(result.code, path).toBe(2);
      expect(result.stderr, path).toMatch(message);
    }
  });

  it('names a --config file the way it was given', async () => {
    const cwd = emptyFolder();
    const result = await runCli(['--config', '/nonexistent/airlock.yaml', 'config', 'check'], { cwd });
    expect(result).toMatchObject({
      code: 2,
      stderr: 'error: /nonexistent/airlock.yaml: no such file (given with --config)\n',
    });
  });

  it('serve answers /healthz, /openapi.json and an unknown route, and stops on SIGTERM', async () => {
    const cwd = emptyFolder();
    const child = spawn(process.execPath, [airlockBin, 'serve', '--port', '0', '--json'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const firstDocument = await new Promise<string>((resolve) => {
      let text = '';
      createInterface({ input: child.stdout }).on('line', (line) => {
        text += line;
        if (line === '}') resolve(text);
      });
    });
    const { url } = JSON.parse(firstDocument) as { url: string };

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: '0.1.0' });

    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toContain('/readyz');

    const missing = await fetch(`${url}/unknown`);
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.requestId).toBe(missing.headers.get('x-request-id'));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const logLines = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logLines.filter((line) => line.msg === 'request').map((line) => line.status)).toEqual([
      200, 200, 404,
    ]);
    expect(logLines.at(-1)).toMatchObject({ msg: 'stopped' });
  });
});

describe('airlock in a pipeline', () => {
  it('exits quietly when the reader closes the pipe early (| head)', async () => {
    const cwd = emptyFolder();
    await runCli(['init'], { cwd });
    // `true` exits without reading: by the time airlock (which takes a moment to start) writes,
    // the pipe is closed.
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${airlockBin}" config check | true`], {
      cwd,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
  });
});
