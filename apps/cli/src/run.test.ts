import { readFileSync } from 'node:fs';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import type { CommandDefinition } from './command.ts';
import type { CliIO } from './io.ts';
import { run } from './run.ts';

function fakeIO() {
  const written = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: { write: (text: string) => (written.stdout += text), isTTY: false },
    stderr: { write: (text: string) => (written.stderr += text), isTTY: false },
    env: {},
    cwd: '/',
    waitForShutdown: () => Promise.resolve(),
  };
  return { io, written };
}

const throwing = (work: () => void): CommandDefinition => ({
  words: ['try'],
  summary: 'a command that fails',
  options: {},
  positionals: [],
  examples: [],
  async run() {
    work();
    return 0;
  },
});

describe('run', () => {
  it('reports what the file system refused as one line, exit 2, not as a bug', async () => {
    const folder = temporaryDirectory('airlock-run-');
    const { io, written } = fakeIO();
    const code = await run(['try'], io, { version: '0', commands: [throwing(() => readFileSync(folder))] });
    expect(code).toBe(2);
    expect(written.stderr).toBe(`error: EISDIR: illegal operation on a directory, read\n`);
    // With AIRLOCK_DEBUG=1, where it came from.
    const debug = fakeIO();
    debug.io.env.AIRLOCK_DEBUG = '1';
    await run(['try'], debug.io, { version: '0', commands: [throwing(() => readFileSync(folder))] });
    expect(debug.written.stderr).toMatch(/^error: EISDIR[^\n]*\nError: EISDIR[^\n]*\n\s+at /);
  });

  it('still calls anything else a bug (exit 70)', async () => {
    const { io, written } = fakeIO();
    const code = await run(['try'], io, {
      version: '0',
      commands: [
        throwing(() => {
          throw new TypeError('undefined is not a function');
        }),
      ],
    });
    expect(code).toBe(70);
    expect(written.stderr).toContain('This is a bug in Airlock');
  });
});
