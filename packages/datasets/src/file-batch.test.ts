import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { hashFileBatch, restoreFileBatch } from './file-batch.ts';
import {
  type BatchInput,
  controlBlock,
  readWhole,
  type ShareOutcome,
  workerStarted,
} from './file-batch-work.ts';
import { identityOf } from './file-identity.ts';
import { objectPathIn } from './object-files.ts';

const sha256Of = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

/** `count` files with distinct contents (every tenth one a duplicate of the one before). */
function files(count: number) {
  const dir = temporaryDirectory('airlock-batch-');
  const contents: string[] = [];
  for (let index = 0; index < count; index++) {
    const text = `row ${index - (index % 10 === 9 ? 1 : 0)}\n`.repeat(20);
    writeFileSync(join(dir, `file-${index}.jsonl`), text);
    contents.push(text);
  }
  const tasks = contents.map((_, index) => {
    const path = join(dir, `file-${index}.jsonl`);
    return { path, identity: identityOf(statSync(path, { bigint: true })) };
  });
  return { dir, contents, tasks };
}

/** Every file under a folder, recursively (temporary files included). */
const allFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));

describe('file batch', () => {
  it('hashes and stores many files on two threads: each object once, read-only, no temporary files', async () => {
    const { contents, tasks } = files(1500);
    const cache = temporaryDirectory('airlock-batch-cache-');
    const {
      results: hashes,
      perThread,
      failedWorkers,
    } = await hashFileBatch(tasks, {
      threads: 2,
      store: { dir: cache, present: new Set() },
    });
    expect(hashes).toEqual(contents.map(sha256Of));
    // A worker was started and loaded (one that cannot load its module is counted here).
    expect(perThread).toHaveLength(2);
    expect(failedWorkers).toBe(0);
    expect(perThread.reduce((sum, count) => sum + count, 0)).toBe(1500);
    const stored = allFiles(cache);
    expect(stored).toHaveLength(new Set(hashes).size);
    for (const sha256 of new Set(hashes)) {
      expect(statSync(objectPathIn(cache, sha256)).mode & 0o777).toBe(0o444);
    }
  });

  it('runs a share on a worker thread: the worker module loads and does the work', async () => {
    const { contents, tasks } = files(40);
    const cache = temporaryDirectory('airlock-batch-cache-');
    const input: BatchInput = {
      kind: 'hash',
      tasks,
      control: controlBlock(1),
      worker: 0,
      store: { dir: cache, present: new Set([sha256Of(contents[0] as string)]) },
    };
    const outcome = await new Promise<ShareOutcome>((resolve, reject) => {
      const worker = new Worker(new URL('./file-batch-worker.ts', import.meta.url), { workerData: input });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(outcome.error).toBeUndefined();
    expect(workerStarted(input.control, 0)).toBe(true);
    expect(outcome.results).toHaveLength(80);
    expect(outcome.results.filter((_, at) => at % 2 === 1)).toEqual(contents.map(sha256Of));
    // An object the cache already held is not written again.
    expect(allFiles(cache)).toHaveLength(new Set(contents).size - 1);
  });

  it('refuses a file that changed after it was stat-ed, naming it, with workers running', async () => {
    const { tasks } = files(1200);
    const changed = tasks[1100]?.path as string;
    writeFileSync(changed, 'longer now than when it was stat-ed\n'.repeat(30));
    await expect(
      hashFileBatch(tasks, {
        threads: 2,
        store: { dir: temporaryDirectory('airlock-batch-cache-'), present: new Set() },
      }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `${changed} changed while it was being hashed; pin it again once it is written`,
    });
  });

  it('names the file it could not read, and the file it could not store', async () => {
    const { dir, tasks } = files(3);
    const folder = join(dir, 'not-a-file');
    mkdirSync(folder);
    const unreadable = { path: folder, identity: identityOf(statSync(folder, { bigint: true })) };
    await expect(hashFileBatch([...tasks, unreadable], { threads: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining(`${folder} could not be read: EISDIR`),
    });
    // The cache's objects folder is a file: nothing can be stored under it.
    const cache = temporaryDirectory('airlock-batch-cache-');
    writeFileSync(join(cache, 'sha256'), 'in the way');
    await expect(
      hashFileBatch(tasks, { threads: 1, store: { dir: cache, present: new Set() } }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining(`could not store ${tasks[0]?.path} in the cache ${cache}`),
    });
  });

  it('restores objects into the workspace, naming an object it cannot read and a file it cannot write', async () => {
    const { contents, tasks } = files(3);
    const cache = temporaryDirectory('airlock-batch-cache-');
    const { results: hashes } = await hashFileBatch(tasks, {
      threads: 1,
      store: { dir: cache, present: new Set() },
    });
    const workspace = temporaryDirectory('airlock-batch-workspace-');
    const restore = hashes.map((sha256, index) => ({
      object: objectPathIn(cache, sha256),
      target: join(workspace, 'nested', `file-${index}.jsonl`),
      size: (contents[index] as string).length,
    }));
    const { results: identities } = await restoreFileBatch(restore, { threads: 1 });
    expect(restore.map((task) => readFileSync(task.target, 'utf8'))).toEqual(contents);
    expect(identities.map((identity) => identity.size)).toEqual(contents.map((text) => text.length));
    // Only the restored files: no temporary file is left beside them.
    expect(readdirSync(join(workspace, 'nested')).sort()).toEqual([
      'file-0.jsonl',
      'file-1.jsonl',
      'file-2.jsonl',
    ]);
    const absent = { ...(restore[0] as (typeof restore)[number]), object: join(cache, 'absent') };
    await expect(restoreFileBatch([absent], { threads: 1 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/could not be read: ENOENT.*; run airlock dataset pull$/),
    });
    // An object whose size is not the pinned one (changed after the checkout checked it) is not
    // copied short or long: the file it would replace stays as it was.
    for (const size of [5, 10_000]) {
      const wrong = { ...(restore[1] as (typeof restore)[number]), size };
      await expect(restoreFileBatch([wrong], { threads: 1 })).rejects.toMatchObject({
        code: 'CHECK_FAILED',
        message: `cache object ${wrong.object} holds ${size === 5 ? 'more than 5' : contents[1]?.length} bytes, not ${size}: damaged since it was checked; airlock dataset verify --repair removes it, then pin or pull puts it back`,
      });
      expect(readFileSync(wrong.target, 'utf8')).toBe(contents[1]);
    }
    writeFileSync(join(workspace, 'blocker'), 'a file where a folder should be');
    const blocked = {
      ...(restore[0] as (typeof restore)[number]),
      target: join(workspace, 'blocker', 'file.jsonl'),
    };
    await expect(restoreFileBatch([blocked], { threads: 1 })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining(`could not write ${blocked.target}`),
    });
  });

  it('reads on after a short read mid-file (pipes, network file systems) until the end', async () => {
    const fifo = join(temporaryDirectory('airlock-batch-fifo-'), 'slow');
    execFileSync('mkfifo', [fifo]);
    // The writer sends the bytes in two parts, a pause between: the first read returns only 3.
    const slow = spawn('sh', ['-c', `{ printf abc; sleep 0.5; printf def; } > "$0"`, fifo]);
    const buffer = Buffer.alloc(16);
    expect(readWhole(fifo, buffer, 6).toString()).toBe('abcdef');
    await new Promise((done) => slow.on('exit', done));
  });
});
