import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '@airlock/core';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { createFileStateStore } from './file-state-store.ts';

const key = { namespace: 'payments', environment: 'prod' };
const storeModule = JSON.stringify(join(import.meta.dirname, 'file-state-store.ts'));

/** Writes a worker script into a temp folder; it imports the store by absolute path. */
function workerScript(dir: string, body: string): string {
  const path = join(dir, 'worker.mjs');
  writeFileSync(
    path,
    `import { createFileStateStore } from ${storeModule};\nconst [root, id, count] = process.argv.slice(2);\n${body}`,
  );
  return path;
}

/** Starts a worker; `closed` resolves once it has exited and its output is all read. */
function startWorker(
  args: string[],
  stdout: 'pipe' | 'ignore',
): { child: ChildProcess; closed: Promise<unknown> } {
  const child = spawn(process.execPath, args, { stdio: ['ignore', stdout, 'inherit'] });
  return { child, closed: once(child, 'close') };
}

describe('file state store', () => {
  it('creates, reads and replaces the state only from the version last read', async () => {
    const root = temporaryDirectory('airlock-state-');
    const store = createFileStateStore({ root });
    const path = join(root, 'payments', 'prod', 'deploy_state.json');
    expect(store.locate(key)).toBe(path);
    expect(await store.read(key)).toBeUndefined();

    const first = await store.write(key, '{"revision":1}', undefined);
    expect(first).toBe(sha256Hex('{"revision":1}'));
    const read = await store.read(key);
    expect(read).toEqual({ text: '{"revision":1}', version: first, modifiedAt: expect.any(Date) });

    const second = await store.write(key, '{"revision":2}', first);
    expect((await store.read(key))?.version).toBe(second);

    await expect(store.write(key, '{"revision":3}', first)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `${path} changed since it was read (another writer); read it again`,
      context: { location: path },
    });
    await expect(store.write(key, '{"revision":3}', undefined)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(readFileSync(path, 'utf8')).toBe('{"revision":2}');
    expect(readdirSync(join(root, 'payments', 'prod')).sort()).toEqual([
      'deploy_state.json',
      'deploy_state.json.lock',
    ]);
  });

  it('refuses names that are not one folder, and keeps each key in its own file', async () => {
    const root = temporaryDirectory('airlock-state-');
    const store = createFileStateStore({ root });
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a\0b']) {
      expect(() => store.locate({ namespace: bad, environment: 'prod' })).toThrowError(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('namespace') }),
      );
      await expect(
        store.write({ namespace: 'payments', environment: bad }, '{}', undefined),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('environment') });
      await expect(store.read({ namespace: bad, environment: 'prod' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    }
    expect(readdirSync(root)).toEqual([]);

    const staging = { namespace: 'payments', environment: 'staging' };
    await store.write(key, 'prod state', undefined);
    await store.write(staging, 'staging state', undefined);
    expect(store.locate(staging)).not.toBe(store.locate(key));
    expect((await store.read(key))?.text).toBe('prod state');
    expect((await store.read(staging))?.text).toBe('staging state');
  });

  it('removes temporary files a killed writer left, and nothing else', async () => {
    const root = temporaryDirectory('airlock-state-');
    const store = createFileStateStore({ root });
    const version = await store.write(key, 'one', undefined);
    const folder = join(root, 'payments', 'prod');
    writeFileSync(join(folder, '.deploy_state.json.0123456789ab.tmp'), 'half a wri');
    writeFileSync(join(folder, '.notes.json.0123456789ab.tmp'), 'someone else');
    await store.write(key, 'two', version);
    expect(readdirSync(folder).sort()).toEqual([
      '.notes.json.0123456789ab.tmp',
      'deploy_state.json',
      'deploy_state.json.lock',
    ]);
  });

  it('loses no update when 20 processes read-modify-write at once, and readers never see a partial file', async () => {
    const dir = temporaryDirectory('airlock-state-race-');
    const root = join(dir, 'root');
    const script = workerScript(
      dir,
      `const store = createFileStateStore({ root });
const key = { namespace: 'payments', environment: 'prod' };
for (let i = 0; i < Number(count); i++) {
  for (;;) {
    const current = await store.read(key);
    const state = current === undefined ? { revision: 0, writers: [] } : JSON.parse(current.text);
    const next = { revision: state.revision + 1, writers: [...state.writers, id + '.' + i] };
    try {
      await store.write(key, JSON.stringify(next, null, 2), current?.version);
      break;
    } catch (error) {
      if (error.code !== 'CONFLICT') throw error;
      // Jitter, as a real client would, so the losers do not all come back at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    }
  }
}`,
    );
    const processes = 20;
    const increments = 10;
    const workers = Array.from({ length: processes }, (_, index) =>
      startWorker([script, root, `w${index}`, String(increments)], 'ignore'),
    );
    const finished = Promise.all(workers.map((worker) => worker.closed));
    let running = true;
    void finished.then(() => {
      running = false;
    });

    const store = createFileStateStore({ root });
    let reads = 0;
    let lastRevision = 0;
    while (running) {
      const current = await store.read(key);
      if (current !== undefined) {
        const { revision } = JSON.parse(current.text) as { revision: number };
        expect(revision).toBeGreaterThanOrEqual(lastRevision);
        lastRevision = revision;
        reads += 1;
      }
      await sleep(2);
    }
    expect(workers.map((worker) => worker.child.exitCode)).toEqual(Array(processes).fill(0));

    const final = JSON.parse((await store.read(key))?.text ?? '') as { revision: number; writers: string[] };
    expect(final.revision).toBe(processes * increments);
    expect(new Set(final.writers).size).toBe(processes * increments);
    expect(reads).toBeGreaterThan(50);
    expect(readdirSync(join(root, 'payments', 'prod')).sort()).toEqual([
      'deploy_state.json',
      'deploy_state.json.lock',
    ]);
  }, 120_000);

  it('keeps a whole state, and no stuck lock, when a writer is killed with SIGKILL mid-write, many times', async () => {
    const dir = temporaryDirectory('airlock-state-kill-');
    const root = join(dir, 'root');
    // ~200 KB per state so that a write (and its fsync) lasts long enough to be interrupted.
    const script = workerScript(
      dir,
      `const store = createFileStateStore({ root });
const key = { namespace: 'payments', environment: 'prod' };
for (;;) {
  const current = await store.read(key);
  const revision = current === undefined ? 1 : JSON.parse(current.text).revision + 1;
  const padding = String(revision % 10).repeat(200000);
  await store.write(key, JSON.stringify({ revision, writer: id, padding }), current?.version);
  process.stdout.write(revision + '\\n');
}`,
    );
    const store = createFileStateStore({ root, lockTimeoutMs: 10_000 });
    const folder = join(root, 'payments', 'prod');
    const readState = async () => {
      const current = await store.read(key);
      if (current === undefined) return { revision: 0, version: undefined };
      const state = JSON.parse(current.text) as { revision: number; padding?: string };
      if (state.padding !== undefined) expect(state.padding).toBe(String(state.revision % 10).repeat(200000));
      return { revision: state.revision, version: current.version };
    };

    let before = 0;
    for (let kill = 0; kill < 25; kill++) {
      const { child, closed } = startWorker([script, root, `child${kill}`], 'pipe');
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('\n')) resolve();
        });
        child.on('exit', () => reject(new Error(`the writer exited before writing: ${output}`)));
      });
      await sleep(Math.random() * 50);
      child.kill('SIGKILL');
      await closed;
      expect(child.signalCode).toBe('SIGKILL');

      // Everything the child printed is in by now; it may also have replaced the file once more
      // after its last line.
      const written = output.split('\n').filter(Boolean).map(Number);
      const lastWritten = written.at(-1) ?? before;
      expect(lastWritten).toBeGreaterThan(before);
      const after = await readState();
      expect([lastWritten, lastWritten + 1]).toContain(after.revision);

      // The next writer gets the lock at once (a stale lock would cost the 10 s timeout, then
      // CONFLICT) and clears any temporary file the killed one left.
      await store.write(
        key,
        JSON.stringify({ revision: after.revision + 1, writer: 'parent' }),
        after.version,
      );
      expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      before = after.revision + 1;
    }
    expect((await readState()).revision).toBe(before);
  }, 120_000);
});
