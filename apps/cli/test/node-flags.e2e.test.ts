import { chmodSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { runCli, runNode } from './cli-process.ts';

const nodeFlagsUrl = pathToFileURL(join(import.meta.dirname, '../bin/node-flags.js')).href;

/** A script that restarts itself as the bin does, then reports what it runs with and what a child inherits. */
function writeProbe(folder: string): string {
  const script = join(folder, 'probe.mjs');
  writeFileSync(
    script,
    `import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const { restartWithNodeFlags } = await import(${JSON.stringify(nodeFlagsUrl)});
restartWithNodeFlags(fileURLToPath(import.meta.url));
// The environment the process was started with (what the C allocator read), not process.env.
const startedWith = readFileSync('/proc/self/environ', 'utf8').split('\\0');
const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], {
  encoding: 'utf8',
});
process.stdout.write(
  JSON.stringify({
    execArgv: process.execArgv,
    startedWith: startedWith.filter((entry) => entry.startsWith('MALLOC_ARENA_MAX=')),
    env: process.env.MALLOC_ARENA_MAX ?? null,
    marker: process.env.AIRLOCK_RESTART_ADDED_ENV ?? null,
    child: JSON.parse(child).MALLOC_ARENA_MAX ?? null,
  }),
);
`,
  );
  return script;
}

describe.runIf(process.platform === 'linux')('the restart with V8 and allocator settings', () => {
  it('starts with the V8 flags and two malloc arenas, and does not pass the added variable on', async () => {
    const folder = temporaryDirectory();
    const result = await runNode([writeProbe(folder)], { cwd: folder });
    expect(result.stderr).toBe('');
    const seen = JSON.parse(result.stdout);
    expect(seen.execArgv).toEqual(
      expect.arrayContaining(['--max-semi-space-size=4', '--heap-growing-percent=20']),
    );
    expect(seen.startedWith).toEqual(['MALLOC_ARENA_MAX=2']);
    // Gone from process.env after the start: a deploy command airlock runs gets the user's environment.
    expect(seen.env).toBeNull();
    expect(seen.marker).toBeNull();
    expect(seen.child).toBeNull();
  });

  it('keeps a MALLOC_ARENA_MAX the user set, and passes it on', async () => {
    const folder = temporaryDirectory();
    const result = await runNode([writeProbe(folder)], { cwd: folder, env: { MALLOC_ARENA_MAX: '4' } });
    const seen = JSON.parse(result.stdout);
    expect(seen.startedWith).toEqual(['MALLOC_ARENA_MAX=4']);
    expect(seen.env).toBe('4');
    expect(seen.child).toBe('4');
  });
});

describe('the compile cache', () => {
  it("keeps compiled modules in the user's own cache folder, closed to everyone else", async () => {
    const home = temporaryDirectory();
    const first = await runCli(['--version'], { cwd: home, env: { XDG_CACHE_HOME: home } });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const folder = join(home, 'airlock', 'node-compile-cache');
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    // One folder per Node version, holding the code of the modules the command loaded.
    const [version] = readdirSync(folder);
    expect(readdirSync(join(folder, version as string)).length).toBeGreaterThan(10);
  });

  it('is not used where another user could plant code, nor when turned off, and never hangs', async () => {
    // A folder others can write into: not used (nothing is written into it).
    const open = temporaryDirectory();
    mkdirSync(join(open, 'airlock', 'node-compile-cache'), { recursive: true });
    chmodSync(join(open, 'airlock', 'node-compile-cache'), 0o777);
    expect(await runCli(['--version'], { cwd: open, env: { XDG_CACHE_HOME: open } })).toMatchObject({
      code: 0,
    });
    expect(readdirSync(join(open, 'airlock', 'node-compile-cache'))).toEqual([]);
    // The folder a link to somewhere else: not followed.
    const linked = temporaryDirectory();
    const elsewhere = temporaryDirectory();
    mkdirSync(join(linked, 'airlock'), { mode: 0o700 });
    symlinkSync(elsewhere, join(linked, 'airlock', 'node-compile-cache'));
    expect(await runCli(['--version'], { cwd: linked, env: { XDG_CACHE_HOME: linked } })).toMatchObject({
      code: 0,
    });
    expect(readdirSync(elsewhere)).toEqual([]);
    // Turned off: nothing is made.
    const off = temporaryDirectory();
    const disabled = { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' };
    expect(await runCli(['--version'], { cwd: off, env: disabled })).toMatchObject({ code: 0 });
    expect(readdirSync(off)).toEqual([]);
    // Node's recursive mkdir spins forever under /proc: a cache home there must not hang the command.
    if (process.platform === 'linux') {
      const proc = await runCli(['--version'], { cwd: off, env: { XDG_CACHE_HOME: '/proc/airlock-cache' } });
      expect(proc).toMatchObject({ code: 0, stderr: '' });
    }
  });
});
