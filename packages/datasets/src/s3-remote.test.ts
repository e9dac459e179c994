import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, openDatabase, storeMigrations } from '@airlock/db';
import { type S3TestServer, startS3Server } from '@airlock/test-servers';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasets } from './datasets.ts';
import { createLocalCache } from './local-cache.ts';
import { datasetsMigrations } from './migrations.ts';
import type { RemoteStore } from './remote.ts';
import { createS3Remote } from './s3-remote.ts';
import { createSqliteDatasetsStore } from './store.ts';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

let prefixCount = 0;
/** A workspace with its own store and cache, sharing one remote prefix with its siblings. */
function workspace(prefix: string, remote?: RemoteStore) {
  const root = temporaryDirectory('airlock-remote-');
  const database = openDatabase({ path: join(root, '.airlock', 'airlock.db') });
  applyMigrations(database, [...storeMigrations, ...datasetsMigrations]);
  const cache = createLocalCache(join(root, '.airlock', 'cache'));
  const s3 =
    remote ??
    createS3Remote({
      bucket: server.bucket,
      prefix,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: server.clientSettings.credentials,
      localPath: (sha256) => cache.objectPath(sha256),
      multipartThreshold: 1 << 20,
      partSize: 5 << 20,
    });
  const datasets = createDatasets({ store: createSqliteDatasetsStore(database), cache, remote: s3 });
  return { root, database, cache, datasets, remote: s3 };
}

const newPrefix = () => `team${++prefixCount}/`;

/** The files s3rver keeps an object's bytes in, for corrupting one behind the client's back. */
function storedObjectFile(prefix: string, sha256: string): string {
  const folder = join(server.directory, server.bucket, prefix, 'sha256', sha256.slice(0, 2));
  const file = readdirSync(folder).find(
    (name) => name.startsWith(sha256.slice(2)) && name.endsWith('._S3rver_object'),
  );
  if (!file)
    throw new Error(`no stored object for ${sha256} in ${folder}: ${readdirSync(folder).join(', ')}`);
  return join(folder, file);
}

describe('push and pull through a real S3-protocol server', () => {
  it('pushes, pulls into an empty cache, checks out identical bytes; a second push sends nothing', async () => {
    const prefix = newPrefix();
    const source = workspace(prefix);
    writeFileSync(join(source.root, 'golden.jsonl'), '{"q":"refund?"}\n'.repeat(1000));
    writeFileSync(join(source.root, 'big.bin'), Buffer.alloc(3 << 20, 7));
    const small = await source.datasets.pin(join(source.root, 'golden.jsonl'), { actor: 'dev@corp' });
    const big = await source.datasets.pin(join(source.root, 'big.bin'), { actor: 'dev@corp' });
    const first = await source.datasets.push([small.pin, big.pin]);
    expect(first).toMatchObject({ objects: 2, uploaded: 2, bytes: 16_000 + (3 << 20) });
    expect((await source.datasets.push([small.pin, big.pin])).uploaded).toBe(0);

    const other = workspace(prefix);
    for (const pinned of [small, big]) {
      writeFileSync(join(other.root, pinned.pinFile.split('/').at(-1) ?? ''), readFileSync(pinned.pinFile));
    }
    const pulled = await other.datasets.pull([small.pin, big.pin]);
    expect(pulled.fetched).toBe(2);
    await other.datasets.checkout(join(other.root, 'golden.jsonl.pin.yaml'));
    await other.datasets.checkout(join(other.root, 'big.bin.pin.yaml'));
    expect(readFileSync(join(other.root, 'golden.jsonl'))).toEqual(
      readFileSync(join(source.root, 'golden.jsonl')),
    );
    expect(readFileSync(join(other.root, 'big.bin'))).toEqual(readFileSync(join(source.root, 'big.bin')));
    source.database.close();
    other.database.close();
  });

  it('refuses a corrupted remote object, naming it, and leaves cache and workspace untouched', async () => {
    const prefix = newPrefix();
    const source = workspace(prefix);
    writeFileSync(join(source.root, 'golden.jsonl'), '{"q":"original"}\n');
    const { pin } = await source.datasets.pin(join(source.root, 'golden.jsonl'), { actor: 'dev@corp' });
    await source.datasets.push([pin]);
    const stored = storedObjectFile(prefix, pin.sha256);
    chmodSync(stored, 0o644);
    writeFileSync(stored, '{"q":"tampered"}\n');

    const other = workspace(prefix);
    writeFileSync(join(other.root, 'golden.jsonl'), 'my local edits\n');
    await expect(other.datasets.pull([pin])).rejects.toMatchObject({
      code: 'CHECK_FAILED',
      message: expect.stringMatching(
        new RegExp(
          `^object ${pin.sha256} on s3://airlock-test/${prefix} is corrupt: its bytes hash to [0-9a-f]{64}; it was not stored, and the workspace is untouched$`,
        ),
      ),
    });
    expect(other.cache.list()).toEqual([]);
    expect(readdirSync(join(other.root, '.airlock', 'cache', 'sha256', pin.sha256.slice(0, 2)))).toEqual([]);
    expect(readFileSync(join(other.root, 'golden.jsonl'), 'utf8')).toBe('my local edits\n');
    source.database.close();
    other.database.close();
  });

  it('finishes a push that was stopped midway, leaving exactly the right objects on the remote', async () => {
    const prefix = newPrefix();
    const source = workspace(prefix);
    const pins = [];
    for (let index = 0; index < 12; index++) {
      writeFileSync(join(source.root, `part-${index}.jsonl`), `{"row":${index}}\n`);
      pins.push(
        (await source.datasets.pin(join(source.root, `part-${index}.jsonl`), { actor: 'dev@corp' })).pin,
      );
    }
    // The push dies after five uploads (as a killed process would: no cleanup runs).
    let uploads = 0;
    const dying: RemoteStore = {
      ...source.remote,
      upload: async (sha256, size, open) => {
        if (uploads++ >= 5) throw new Error('killed');
        await source.remote.upload(sha256, size, open);
      },
    };
    const interrupted = workspace(prefix, dying);
    for (const name of readdirSync(source.root).filter((file) => file.endsWith('.jsonl'))) {
      writeFileSync(join(interrupted.root, name), readFileSync(join(source.root, name)));
    }
    for (const pin of pins)
      await interrupted.datasets.pin(join(interrupted.root, pin.path), { actor: 'dev@corp' });
    await expect(interrupted.datasets.push(pins)).rejects.toThrow('killed');
    const partial = await source.remote.list();
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(12);

    const resumed = await source.datasets.push(pins);
    expect(resumed.uploaded).toBe(12 - partial.length);
    expect((await source.remote.list()).sort()).toEqual(pins.map((pin) => pin.sha256).sort());
    source.database.close();
    interrupted.database.close();
  });

  it('pulls a pinned folder by its manifest', async () => {
    const prefix = newPrefix();
    const source = workspace(prefix);
    const folder = join(source.root, 'corpus');
    mkdirSync(join(folder, 'nested'), { recursive: true });
    writeFileSync(join(folder, 'nested', 'x.txt'), 'x');
    writeFileSync(join(folder, 'y.txt'), 'y');
    const { pin, pinFile } = await source.datasets.pin(folder, { actor: 'dev@corp' });
    await source.datasets.push([pin]);
    const other = workspace(prefix);
    writeFileSync(join(other.root, 'corpus.pin.yaml'), readFileSync(pinFile));
    expect((await other.datasets.pull([pin])).fetched).toBe(3);
    await other.datasets.checkout(join(other.root, 'corpus.pin.yaml'));
    expect(readFileSync(join(other.root, 'corpus', 'nested', 'x.txt'), 'utf8')).toBe('x');
    expect(existsSync(join(other.root, 'corpus', 'y.txt'))).toBe(true);
    expect(statSync(join(other.root, 'corpus', 'y.txt')).size).toBe(1);
    source.database.close();
    other.database.close();
  });
});

describe('verifying the remote', () => {
  it('re-hashes remote objects and names a corrupted one', async () => {
    const prefix = newPrefix();
    const source = workspace(prefix);
    writeFileSync(join(source.root, 'a.jsonl'), '{"a":1}\n');
    writeFileSync(join(source.root, 'b.jsonl'), '{"b":2}\n');
    const a = (await source.datasets.pin(join(source.root, 'a.jsonl'), { actor: 'dev@corp' })).pin;
    const b = (await source.datasets.pin(join(source.root, 'b.jsonl'), { actor: 'dev@corp' })).pin;
    await source.datasets.push([a]);
    expect(await source.datasets.missingOnRemote(b)).toEqual([b.sha256]);
    await source.datasets.push([b]);
    expect(await source.datasets.verifyRemote([a, b])).toMatchObject({
      checked: 2,
      missing: [],
      corrupt: [],
    });
    const stored = storedObjectFile(prefix, b.sha256);
    chmodSync(stored, 0o644);
    writeFileSync(stored, 'garbage');
    expect((await source.datasets.verifyRemote([a, b])).corrupt).toEqual([
      { sha256: b.sha256, actual: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    source.database.close();
  });
});
