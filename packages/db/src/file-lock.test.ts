import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.ts';

// A separate process that takes the lock, notes it in a shared log and, when given a release file,
// holds the lock until that file appears (so no test depends on how fast this machine is).
const lockerScript = `
import { appendFileSync, existsSync } from 'node:fs';
import { withFileLock } from ${JSON.stringify(join(import.meta.dirname, 'file-lock.ts'))};
const [lockPath, name, logPath, releasePath] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
try {
  withFileLock(lockPath, () => {
    appendFileSync(logPath, name + ' acquired\\n');
    process.stdout.write('locked\\n');
    while (releasePath && !existsSync(releasePath)) Atomics.wait(pause, 0, 0, 20);
    appendFileSync(logPath, name + ' releasing\\n');
  }, { timeoutMs: 60000 });
} catch (error) {
  process.stdout.write(JSON.stringify({ code: error.code, message: error.message }));
  process.exitCode = 3;
}
`;

interface Setup {
  lockPath: string;
  logPath: string;
  releasePath: string;
  start(name: string, options?: { holdUntilReleased?: boolean }): ChildProcess;
}

function setup(): Setup {
  const dir = temporaryDirectory('airlock-lock-');
  const script = join(dir, 'locker.mjs');
  writeFileSync(script, lockerScript);
  const paths = {
    lockPath: join(dir, 'nested', 'state.lock'),
    logPath: join(dir, 'log.txt'),
    releasePath: join(dir, 'release'),
  };
  writeFileSync(paths.logPath, '');
  return {
    ...paths,
    start: (name, options = {}) =>
      spawn(
        process.execPath,
        [script, paths.lockPath, name, paths.logPath, options.holdUntilReleased ? paths.releasePath : ''],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      ),
  };
}

/** Resolves once the child says it holds the lock; rejects if it exits first. */
async function holding(child: ChildProcess): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('locked\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the locker exited (${code}) before locking: ${output}`)));
  });
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('withFileLock', () => {
  it('makes a second process wait until the first releases the lock', async () => {
    const test = setup();
    const first = test.start('first', { holdUntilReleased: true });
    await holding(first);
    const second = test.start('second');
    // However slow the machine, the second locker must still be waiting while the first holds on.
    await sleep(1000);
    expect(second.exitCode).toBeNull();
    expect(readFileSync(test.logPath, 'utf8')).toBe('first acquired\n');

    writeFileSync(test.releasePath, '');
    expect(await exitCode(first)).toBe(0);
    expect(await exitCode(second)).toBe(0);
    expect(readFileSync(test.logPath, 'utf8')).toBe(
      'first acquired\nfirst releasing\nsecond acquired\nsecond releasing\n',
    );
  });

  it('does not stay locked when the holder is killed with SIGKILL', async () => {
    const test = setup();
    const holder = test.start('holder', { holdUntilReleased: true });
    await holding(holder);
    holder.kill('SIGKILL');
    await exitCode(holder);
    expect(holder.signalCode).toBe('SIGKILL');

    expect(withFileLock(test.lockPath, () => 'next', { timeoutMs: 10_000 })).toBe('next');
  });

  it('fails with CONFLICT when the lock is still held after the timeout', async () => {
    const test = setup();
    const holder = test.start('holder', { holdUntilReleased: true });
    await holding(holder);
    try {
      expect(() => withFileLock(test.lockPath, () => 'never', { timeoutMs: 300 })).toThrowError(
        expect.objectContaining({
          code: 'CONFLICT',
          message: expect.stringMatching(/state\.lock is locked by another process \(waited \d+ ms\)$/),
        }),
      );
    } finally {
      writeFileSync(test.releasePath, '');
      await exitCode(holder);
    }
    expect(withFileLock(test.lockPath, () => 'after', { timeoutMs: 10_000 })).toBe('after');
  });

  it('releases the lock when the function throws', () => {
    const { lockPath } = setup();
    expect(() =>
      withFileLock(lockPath, () => {
        throw new Error('inside the lock');
      }),
    ).toThrow('inside the lock');
    expect(withFileLock(lockPath, () => 42, { timeoutMs: 1000 })).toBe(42);
  });

  it('refuses a lock path that holds something else', () => {
    const { lockPath, logPath } = setup();
    writeFileSync(logPath, 'not a database, just some text that is long enough to be read as a header');
    expect(() => withFileLock(logPath, () => 1)).toThrowError(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('is not a lock file'),
      }),
    );
    expect(readFileSync(logPath, 'utf8')).toMatch(/^not a database/);
    expect(withFileLock(lockPath, () => 2)).toBe(2);
  });
});
