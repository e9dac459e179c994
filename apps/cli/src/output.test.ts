import { AirlockError } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import type { CliIO } from './io.ts';
import { createOutput } from './output.ts';

function fakeIO(options: { tty: boolean; env?: Record<string, string> }) {
  const written = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: { write: (text: string) => (written.stdout += text), isTTY: options.tty },
    stderr: { write: (text: string) => (written.stderr += text), isTTY: options.tty },
    env: options.env ?? {},
    cwd: '/',
    waitForShutdown: () => Promise.resolve(),
  };
  return { io, written };
}

describe('output', () => {
  it('colours only on a terminal, and never with NO_COLOR or --no-color', () => {
    expect(createOutput(fakeIO({ tty: true }).io, { json: false }).color).toBe(true);
    expect(createOutput(fakeIO({ tty: false }).io, { json: false }).color).toBe(false);
    expect(createOutput(fakeIO({ tty: true, env: { NO_COLOR: '1' } }).io, { json: false }).color).toBe(false);
    expect(createOutput(fakeIO({ tty: true }).io, { json: false, noColor: true }).color).toBe(false);
    expect(createOutput(fakeIO({ tty: true }).io, { json: true }).color).toBe(false);
  });

  it('draws progress only on an interactive terminal', () => {
    const tty = fakeIO({ tty: true });
    const progress = createOutput(tty.io, { json: false }).progress('hashing', 4);
    progress.tick(4);
    progress.done();
    expect(tty.written.stderr).toContain('hashing [########################] 4/4');

    const bytes = fakeIO({ tty: true });
    const transfer = createOutput(bytes.io, { json: false }).progress(
      'pushing',
      2048,
      (value) => `${value / 1024} KiB`,
    );
    transfer.set(2048, '(2/2 objects)');
    transfer.done();
    expect(bytes.written.stderr).toContain('pushing [########################] 2 KiB/2 KiB (2/2 objects)');

    for (const quiet of [fakeIO({ tty: false }), fakeIO({ tty: true, env: { CI: 'true' } })]) {
      const bar = createOutput(quiet.io, { json: false }).progress('hashing', 4);
      bar.tick(2);
      bar.done();
      expect(quiet.written.stderr).toBe('');
    }
  });

  it('reports located errors one line each, or as JSON with --json', () => {
    const error = new AirlockError('INVALID_INPUT', 'x', {
      issues: [{ file: 'a.yaml', line: 1, column: 2, message: 'bad' }],
    });
    const human = fakeIO({ tty: false });
    createOutput(human.io, { json: false }).failure(error, false);
    expect(human.written.stderr).toBe('error: a.yaml:1:2: bad\n');

    const machine = fakeIO({ tty: false });
    createOutput(machine.io, { json: true }).failure(error, false);
    expect(JSON.parse(machine.written.stdout)).toMatchObject({
      error: { code: 'INVALID_INPUT', issues: [{ line: 1 }] },
    });
  });

  it('calls a bug a bug, with the stack only when debugging', () => {
    const quiet = fakeIO({ tty: false });
    createOutput(quiet.io, { json: false }).failure(new TypeError('x is undefined'), false);
    expect(quiet.written.stderr).toContain('error: internal error: x is undefined');
    expect(quiet.written.stderr).toContain('AIRLOCK_DEBUG=1');
    expect(quiet.written.stderr).not.toMatch(/\n\s+at /);

    const debug = fakeIO({ tty: false });
    createOutput(debug.io, { json: false }).failure(new TypeError('x is undefined'), true);
    expect(debug.written.stderr).toMatch(/\n\s+at /);
  });
});
