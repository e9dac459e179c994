import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256Hex } from '@airlock/core';
import { applyMigrations, openDatabase, storeMigrations } from '@airlock/db';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { createDatasets } from './datasets.ts';
import { createLocalCache } from './local-cache.ts';
import { datasetsMigrations } from './migrations.ts';
import { readPinFile } from './pin-file.ts';
import { createSqliteDatasetsStore } from './store.ts';
import { parseManifest } from './tree.ts';

// The stat cache's settle window is off (0) unless a test is about it: files here are pinned
// the moment they are written.
function workspace(settleMs = 0) {
  const root = temporaryDirectory('airlock-datasets-');
  const database = openDatabase({ path: join(root, '.airlock', 'airlock.db') });
  applyMigrations(database, [...storeMigrations, ...datasetsMigrations]);
  const cache = createLocalCache(join(root, '.airlock', 'cache'));
  const datasets = createDatasets({ store: createSqliteDatasetsStore(database), cache, settleMs });
  return { root, database, cache, datasets };
}

const golden = '{"q":"refund?","label":"billing"}\n{"q":"hello","label":"greeting"}\n';

describe('pin', () => {
  it('hashes, caches read-only, writes the pin file and records the version', async () => {
    const { root, database, cache, datasets } = workspace();
    writeFileSync(join(root, 'golden.jsonl'), golden);
    const { pin, pinFile, hashedFiles } = await datasets.pin(join(root, 'golden.jsonl'), {
      actor: 'dev@corp',
    });
    expect(pinFile).toBe(join(root, 'golden.jsonl.pin.yaml'));
    expect(pin).toMatchObject({
      name: 'golden',
      path: 'golden.jsonl',
      size: golden.length,
      files: 1,
      rows: 2,
      format: 'jsonl',
    });
    expect(hashedFiles).toBe(1);
    expect(readPinFile(pinFile)).toEqual(pin);
    const object = cache.objectPath(pin.sha256);
    expect(object).toBe(
      join(root, '.airlock', 'cache', 'sha256', pin.sha256.slice(0, 2), pin.sha256.slice(2)),
    );
    expect(readFileSync(object, 'utf8')).toBe(golden);
    expect(statSync(object).mode & 0o222).toBe(0);
    expect(await datasets.listVersions()).toEqual([
      expect.objectContaining({ name: 'golden', sha256: pin.sha256, rows: 2 }),
    ]);
    database.close();
  });

  it('does not re-read unchanged data; a new mtime with the same bytes is re-hashed and accepted', async () => {
    const { root, database, datasets } = workspace();
    const path = join(root, 'golden.jsonl');
    writeFileSync(path, golden);
    const first = await datasets.pin(path, { actor: 'dev@corp' });
    const again = await datasets.pin(path, { actor: 'someone-else@corp' });
    expect(again.hashedFiles).toBe(0);
    expect(again.changed).toBe(false);
    expect(again.pin).toEqual(first.pin);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const touched = await datasets.pin(path, { actor: 'dev@corp' });
    expect(touched.hashedFiles).toBe(1);
    expect(touched.pin.sha256).toBe(first.pin.sha256);
    database.close();
  });

  it('does not trust a file changed within the settle window before it was read (racily clean)', async () => {
    // A same-size edit in the same clock tick as the read would keep size, mtime and ctime: a file
    // that fresh is read again until it has settled, and only then remembered.
    const { root, database, cache, datasets } = workspace(1000);
    const folder = join(root, 'fresh');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.jsonl'), golden);
    const file = join(root, 'single.jsonl');
    writeFileSync(file, golden);
    expect(await datasets.hashPath(folder)).toMatchObject({ hashed: 1 });
    expect(await datasets.hashPath(folder)).toMatchObject({ hashed: 1 });
    expect(await datasets.hashPath(file)).toMatchObject({ hashed: 1 });
    expect(await datasets.hashPath(file)).toMatchObject({ hashed: 1 });
    await new Promise((settled) => setTimeout(settled, 1100));
    await datasets.hashPath(folder);
    await datasets.hashPath(file);
    expect(await datasets.hashPath(folder)).toMatchObject({ hashed: 0 });
    expect(await datasets.hashPath(file)).toMatchObject({ hashed: 0 });
    for (const settleMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createDatasets({ store: createSqliteDatasetsStore(database), cache, settleMs })).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
    database.close();
  });

  it('pins a folder by its canonical manifest and restores it from the cache', async () => {
    const { root, database, datasets } = workspace();
    const folder = join(root, 'corpus');
    mkdirSync(join(folder, 'b'), { recursive: true });
    writeFileSync(join(folder, 'b', 'two.txt'), 'two');
    writeFileSync(join(folder, 'a.txt'), 'one');
    const { pin, pinFile } = await datasets.pin(folder, { actor: 'dev@corp' });
    expect(pinFile).toBe(join(root, 'corpus.pin.yaml'));
    expect(pin).toMatchObject({ format: 'directory', files: 2, size: 6, path: 'corpus/' });
    rmSync(folder, { recursive: true });
    expect((await datasets.status(pinFile)).state).toBe('missing');
    expect(await datasets.checkout(pinFile)).toMatchObject({ files: 2, written: 2 });
    expect(readFileSync(join(folder, 'b', 'two.txt'), 'utf8')).toBe('two');
    expect((await datasets.status(pinFile)).state).toBe('unchanged');
    database.close();
  });

  it('names nested files by their relative paths, re-pins them from the stat cache, and refuses links', async () => {
    const { root, database, cache, datasets } = workspace();
    const folder = join(root, 'nested');
    mkdirSync(join(folder, 'b', 'c'), { recursive: true });
    writeFileSync(join(folder, 'b', 'c', 'three.txt'), 'three');
    writeFileSync(join(folder, 'b', 'two.txt'), 'two');
    writeFileSync(join(folder, 'a.txt'), 'one');
    const first = await datasets.pin(folder, { actor: 'dev@corp' });
    expect(first.hashedFiles).toBe(3);
    const manifest = parseManifest(readFileSync(cache.objectPath(first.pin.sha256), 'utf8'));
    expect(manifest.map((entry) => entry.path)).toEqual(['a.txt', 'b/c/three.txt', 'b/two.txt']);
    const again = await datasets.pin(folder, { actor: 'dev@corp' });
    expect(again.hashedFiles).toBe(0);
    expect(again.pin.sha256).toBe(first.pin.sha256);
    symlinkSync(join(folder, 'a.txt'), join(folder, 'b', 'link.txt'));
    await expect(datasets.pin(folder, { actor: 'dev@corp' })).rejects.toThrow(
      `${join(folder, 'b', 'link.txt')} is a symbolic link; a dataset holds its own bytes`,
    );
    database.close();
  });
});

describe('status', () => {
  it('names the objects the cache lacks, for a few files and for many', async () => {
    for (const count of [3, 300]) {
      const { root, database, cache, datasets } = workspace();
      const folder = join(root, 'many');
      mkdirSync(folder);
      for (let index = 0; index < count; index++) writeFileSync(join(folder, `${index}.txt`), `row ${index}`);
      const { pin, pinFile } = await datasets.pin(folder, { actor: 'dev@corp' });
      expect((await datasets.status(pinFile)).missingFromCache).toEqual([]);
      const manifest = parseManifest(readFileSync(cache.objectPath(pin.sha256), 'utf8'));
      const gone = [manifest[0]?.sha256 as string, manifest[count - 1]?.sha256 as string];
      for (const sha256 of gone) cache.remove(sha256);
      const status = await datasets.status(pinFile);
      expect(status.state).toBe('unchanged');
      expect(new Set(status.missingFromCache)).toEqual(new Set(gone));
      // Without its manifest in the cache, the folder's own object is named too.
      cache.remove(pin.sha256);
      expect(new Set((await datasets.status(pinFile)).missingFromCache)).toEqual(
        new Set([pin.sha256, ...gone]),
      );
      database.close();
    }
  });
});

describe('the eval-facing check', () => {
  it('refuses data changed after pinning, naming the file (PRECONDITION_FAILED → exit 2)', async () => {
    const { root, database, datasets } = workspace();
    const path = join(root, 'golden.jsonl');
    writeFileSync(path, golden);
    const { pinFile } = await datasets.pin(path, { actor: 'dev@corp' });
    await expect(datasets.requireUnchanged(pinFile)).resolves.toMatchObject({ name: 'golden' });
    writeFileSync(path, `${golden}{"q":"new","label":"x"}\n`);
    await expect(datasets.requireUnchanged(pinFile)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/golden\.jsonl changed since it was pinned/),
    });
    expect((await datasets.status(pinFile)).state).toBe('changed');
    database.close();
  });
});

describe('cache upkeep', () => {
  it('finds a corrupted object, and gc removes only unpinned objects (dry run first)', async () => {
    const { root, database, cache, datasets } = workspace();
    writeFileSync(join(root, 'a.jsonl'), golden);
    writeFileSync(join(root, 'b.jsonl'), '{"q":"other"}\n');
    const kept = await datasets.pin(join(root, 'a.jsonl'), { actor: 'dev@corp' });
    const dropped = await datasets.pin(join(root, 'b.jsonl'), { actor: 'dev@corp' });

    // Two temporary files of writes that never finished: one two hours old, one being written now.
    const folder = dirname(cache.objectPath(kept.pin.sha256));
    const stale = join(folder, `${'0'.repeat(62)}.dead-write.tmp`);
    const fresh = join(folder, `${'1'.repeat(62)}.in-progress.tmp`);
    writeFileSync(stale, 'half an obj');
    writeFileSync(fresh, 'half');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);

    const dry = await datasets.gc({ keep: [kept.pin], dryRun: true });
    expect(dry.objects.map((object) => object.sha256)).toEqual([dropped.pin.sha256]);
    expect(dry.leftovers).toEqual([{ path: stale, size: 11 }]);
    expect(cache.has(dropped.pin.sha256)).toBe(true);
    expect(existsSync(stale)).toBe(true);
    const done = await datasets.gc({ keep: [kept.pin], dryRun: false });
    expect(done).toMatchObject({ bytes: 14, leftoverBytes: 11 });
    expect(cache.has(dropped.pin.sha256)).toBe(false);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);

    const object = cache.objectPath(kept.pin.sha256);
    chmodSync(object, 0o644);
    writeFileSync(object, 'tampered');
    expect((await datasets.verifyCache()).corrupt).toEqual([
      { sha256: kept.pin.sha256, actual: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(existsSync(object)).toBe(true);
    // --repair removes it; pinning the (unchanged) workspace file stores the right bytes again.
    expect((await datasets.verifyCache([kept.pin.sha256], { repair: true })).corrupt).toHaveLength(1);
    expect(existsSync(object)).toBe(false);
    await datasets.pin(join(root, 'a.jsonl'), { actor: 'dev@corp' });
    expect(readFileSync(object, 'utf8')).toBe(golden);
    expect((await datasets.verifyCache([kept.pin.sha256])).corrupt).toEqual([]);
    database.close();
  });
});

describe('review fixes', () => {
  it('check re-reads bytes: a same-size edit with the old mtime put back is still caught', async () => {
    const { root, database, datasets } = workspace();
    const path = join(root, 'golden.jsonl');
    writeFileSync(path, golden);
    const { pinFile } = await datasets.pin(path, { actor: 'dev@corp' });
    const { mtime, atime } = statSync(path);
    writeFileSync(path, golden.replace('refund', 'refunD'));
    utimesSync(path, atime, mtime);
    expect((await datasets.status(pinFile, { rehash: true })).state).toBe('changed');
    await expect(datasets.requireUnchanged(pinFile)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    database.close();
  });

  it('the stat cache keys on ctime too: an edit with size, mtime and inode put back exactly is re-read', async () => {
    const { root, database, datasets } = workspace();
    const path = join(root, 'golden.jsonl');
    writeFileSync(path, golden);
    // Whole seconds: an mtime that utimes can put back to the nanosecond.
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const { pinFile, pin } = await datasets.pin(path, { actor: 'dev@corp' });
    writeFileSync(path, golden.replace('refund', 'refunD'));
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect((await datasets.status(pinFile)).state).toBe('changed');
    const again = await datasets.pin(path, { actor: 'dev@corp' });
    expect(again.pin.sha256).not.toBe(pin.sha256);
    expect(again.hashedFiles).toBe(1);
    database.close();
  });

  it('counts rows as validate does: blank JSONL lines and quoted CSV newlines are not rows', async () => {
    const { root, database, datasets } = workspace();
    writeFileSync(join(root, 'gaps.jsonl'), '{"a":1}\n\n{"a":2}\n\n');
    writeFileSync(join(root, 'quoted.csv'), 'text,label\n"two\nlines",a\nplain,b\n"x",c\n');
    expect((await datasets.pin(join(root, 'gaps.jsonl'), { actor: 'dev@corp' })).pin.rows).toBe(2);
    expect((await datasets.pin(join(root, 'quoted.csv'), { actor: 'dev@corp' })).pin.rows).toBe(3);
    database.close();
  });

  it('checkout restores a folder exactly, removing files it did not have', async () => {
    const { root, database, datasets } = workspace();
    const folder = join(root, 'corpus');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.txt'), 'a');
    const { pinFile } = await datasets.pin(folder, { actor: 'dev@corp' });
    writeFileSync(join(folder, 'extra.txt'), 'new');
    expect(await datasets.checkout(pinFile)).toMatchObject({ written: 0, removed: 1 });
    expect((await datasets.status(pinFile, { rehash: true })).state).toBe('unchanged');
    database.close();
  });

  it('refuses a large file that changed between the listing and its hashing', async () => {
    const { root, database, cache } = workspace();
    const folder = join(root, 'mixed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'small.jsonl'), '{"a":1}\n');
    const big = join(folder, 'big.bin');
    writeFileSync(big, Buffer.alloc(2 << 20, 1));
    // Small files are read first: the large one is rewritten (bigger) in between.
    const rewriting = {
      ...cache,
      putFiles: (...args: Parameters<typeof cache.putFiles>) => {
        writeFileSync(big, Buffer.alloc(3 << 20, 2));
        return cache.putFiles(...args);
      },
    };
    const datasets = createDatasets({ store: createSqliteDatasetsStore(database), cache: rewriting });
    await expect(datasets.pin(folder, { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('changed while it was being pinned'),
    });
    expect(existsSync(`${folder}.pin.yaml`)).toBe(false);
    database.close();
  });

  it('checkout of many files: only what differs is written, the stat cache learns it, a damaged object is refused', async () => {
    const { root, database, cache, datasets } = workspace();
    const folder = join(root, 'many');
    for (let index = 0; index < 1200; index++) {
      const sub = join(folder, `part-${index % 6}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `${index}.jsonl`), `{"row":${index}}\n`.repeat(index % 7 === 0 ? 3 : 1));
    }
    const { pinFile, pin } = await datasets.pin(folder, { actor: 'dev@corp' });
    const before = readFileSync(join(folder, 'part-3', '99.jsonl'), 'utf8');
    rmSync(folder, { recursive: true });
    expect(await datasets.checkout(pinFile)).toMatchObject({ files: 1200, written: 1200, removed: 0 });
    expect(readFileSync(join(folder, 'part-3', '99.jsonl'), 'utf8')).toBe(before);
    // Every written file is in the stat cache: hashing the folder again reads none of them.
    const again = await datasets.hashPath(folder);
    expect(again).toMatchObject({ sha256: pin.sha256, hashed: 0 });
    // Two files changed, one removed: three written; nothing else touched.
    writeFileSync(join(folder, 'part-0', '0.jsonl'), 'edited\n');
    writeFileSync(join(folder, 'part-1', '1.jsonl'), 'edited\n');
    rmSync(join(folder, 'part-2', '2.jsonl'));
    expect(await datasets.checkout(pinFile)).toMatchObject({ written: 3, removed: 0 });
    expect((await datasets.status(pinFile, { rehash: true })).state).toBe('unchanged');
    // A cache object whose bytes were changed is refused on its way out, naming it.
    const damaged = cache.objectPath(
      parseManifest(readFileSync(cache.objectPath(pin.sha256), 'utf8'))[5]?.sha256 ?? '',
    );
    chmodSync(damaged, 0o644);
    writeFileSync(damaged, 'bit rot\n');
    rmSync(folder, { recursive: true });
    await expect(datasets.checkout(pinFile)).rejects.toMatchObject({
      code: 'CHECK_FAILED',
      message: expect.stringContaining(`cache object ${damaged} is damaged`),
    });
    database.close();
  });
});

describe('new-user findings', () => {
  it('refuses a manifest whose paths leave the folder, writing nothing outside it', async () => {
    expect(() => parseManifest(`${'a'.repeat(64)} 1 ok/file.txt\n`)).not.toThrow();
    for (const path of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a/.']) {
      expect(() => parseManifest(`${'a'.repeat(64)} 1 ${path}\n`)).toThrowError(
        expect.objectContaining({
          code: 'INVALID_INPUT',
          message: expect.stringContaining('outside its folder'),
        }),
      );
    }
    // A pin file whose manifest object (valid by its own hash) names ../escaped.txt.
    const { root, database, cache, datasets } = workspace();
    const bytes = Buffer.from('owned\n');
    const object = sha256Hex(bytes);
    cache.putBytes(object, bytes);
    const manifest = Buffer.from(`${object} ${bytes.length} ../escaped.txt\n`);
    const folderId = sha256Hex(manifest);
    cache.putBytes(folderId, manifest);
    mkdirSync(join(root, 'data'));
    writeFileSync(
      join(root, 'data.pin.yaml'),
      `name: data\npath: evil/\nsha256: ${folderId}\nsize: 6\nfiles: 1\nformat: directory\npinned_at: "2026-12-04T00:00:00.000Z"\npinned_by: x\n`,
    );
    await expect(datasets.checkout(join(root, 'data.pin.yaml'))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(existsSync(join(root, 'escaped.txt'))).toBe(false);
    database.close();
  });

  it('checkout refuses a large object whose size changed after it was checked, leaving no file behind', async () => {
    const { root, database, cache } = workspace();
    const folder = join(root, 'large');
    mkdirSync(folder);
    writeFileSync(join(folder, 'big.bin'), Buffer.alloc(2 << 20, 3));
    // The object is damaged between the checkout's re-hash and its copy (another process, a disk).
    const shrinking = { ...cache, open: () => Readable.from([Buffer.alloc(10, 3)]) };
    const datasets = createDatasets({ store: createSqliteDatasetsStore(database), cache: shrinking });
    const { pinFile } = await datasets.pin(folder, { actor: 'dev@corp' });
    rmSync(join(folder, 'big.bin'));
    await expect(datasets.checkout(pinFile)).rejects.toMatchObject({
      code: 'CHECK_FAILED',
      message: expect.stringContaining(`holds 10 bytes, not ${2 << 20}: damaged since it was checked`),
    });
    expect(readdirSync(folder)).toEqual([]);
    database.close();
  });

  it('checkout re-hashes a large object too, and refuses it damaged; restores type changes inside a folder', async () => {
    const { root, database, cache, datasets } = workspace();
    const folder = join(root, 'mixed');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'big.bin'), Buffer.alloc(3 << 20, 7));
    writeFileSync(join(folder, 'f1.txt'), 'one');
    writeFileSync(join(folder, 'sub', 'a.txt'), 'a');
    const { pinFile } = await datasets.pin(folder, { actor: 'dev@corp' });
    // f1.txt is now a folder, sub a file, and there is an extra folder of extra files.
    rmSync(join(folder, 'f1.txt'));
    mkdirSync(join(folder, 'f1.txt'));
    writeFileSync(join(folder, 'f1.txt', 'inside.txt'), 'x');
    rmSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'sub'), 'now a file');
    mkdirSync(join(folder, 'extra', 'deeper'), { recursive: true });
    writeFileSync(join(folder, 'extra', 'deeper', 'e.txt'), 'e');
    rmSync(join(folder, 'big.bin'));
    expect(await datasets.checkout(pinFile)).toMatchObject({ written: 3, removed: 3 });
    expect(readFileSync(join(folder, 'f1.txt'), 'utf8')).toBe('one');
    expect(readFileSync(join(folder, 'sub', 'a.txt'), 'utf8')).toBe('a');
    expect(existsSync(join(folder, 'extra'))).toBe(false);
    // The large file went into the stat cache too: nothing is read to hash the folder again.
    expect(await datasets.hashPath(folder)).toMatchObject({ hashed: 0 });

    // An empty folder where a pinned file was (no extra file in it to remove first).
    rmSync(join(folder, 'f1.txt'));
    mkdirSync(join(folder, 'f1.txt'));
    expect(await datasets.checkout(pinFile)).toMatchObject({ written: 1, removed: 0 });
    expect(readFileSync(join(folder, 'f1.txt'), 'utf8')).toBe('one');

    // A damaged object stops the checkout before anything in the workspace changes.
    const big = cache.objectPath(sha256Hex(Buffer.alloc(3 << 20, 7)));
    chmodSync(big, 0o644);
    writeFileSync(big, Buffer.alloc(3 << 20, 8));
    rmSync(join(folder, 'big.bin'));
    writeFileSync(join(folder, 'f1.txt'), 'edited');
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    await expect(datasets.checkout(pinFile)).rejects.toMatchObject({
      code: 'CHECK_FAILED',
      message: expect.stringContaining(`cache object ${big} is damaged`),
    });
    expect(existsSync(join(folder, 'big.bin'))).toBe(false);
    expect(readFileSync(join(folder, 'f1.txt'), 'utf8')).toBe('edited');
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(folder).filter((name) => name.endsWith('.airlock-tmp'))).toEqual([]);
    database.close();
  });

  it('refuses a dataset path that is a symbolic link: checkout would remove files wherever it points', async () => {
    const { root, database, datasets } = workspace();
    const real = join(root, 'elsewhere');
    mkdirSync(real);
    writeFileSync(join(real, 'a.txt'), 'a');
    const { pinFile } = await datasets.pin(real, { actor: 'dev@corp' });
    writeFileSync(join(real, 'other.txt'), 'not part of any dataset');
    const pinText = readFileSync(pinFile, 'utf8');
    rmSync(pinFile);
    symlinkSync(real, join(root, 'data'));
    writeFileSync(join(root, 'data.pin.yaml'), pinText.replace('path: "elsewhere/"', 'path: "data/"'));
    await expect(datasets.checkout(join(root, 'data.pin.yaml'))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `${join(root, 'data')} is a symbolic link; a dataset holds its own bytes`,
    });
    await expect(datasets.pin(join(root, 'data'), { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(existsSync(join(real, 'other.txt'))).toBe(true);
    database.close();
  });

  it('temporary files of a killed checkout are never data, and a later checkout removes old ones', async () => {
    const { root, database, datasets } = workspace();
    const folder = join(root, 'corpus');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.txt'), 'a');
    const { pinFile, pin } = await datasets.pin(folder, { actor: 'dev@corp' });
    const stale = join(folder, '.a.txt.0b6f4a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b.airlock-tmp');
    const fresh = join(folder, '.b.txt.9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a.airlock-tmp');
    writeFileSync(stale, 'half');
    writeFileSync(fresh, 'half');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    expect((await datasets.status(pinFile)).state).toBe('unchanged');
    expect((await datasets.pin(folder, { actor: 'dev@corp' })).pin.sha256).toBe(pin.sha256);
    expect(await datasets.checkout(pinFile)).toMatchObject({ written: 0, removed: 1 });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    database.close();
  });

  it('names what changed inside a folder; an emptied folder is changed, not an error', async () => {
    const { root, database, datasets } = workspace();
    const folder = join(root, 'corpus');
    mkdirSync(folder);
    for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(folder, name), name);
    const { pinFile } = await datasets.pin(folder, { actor: 'dev@corp' });
    writeFileSync(join(folder, 'a.txt'), 'edited');
    rmSync(join(folder, 'b.txt'));
    writeFileSync(join(folder, 'd.txt'), 'new');
    expect(await datasets.status(pinFile)).toMatchObject({
      state: 'changed',
      changes: { added: ['d.txt'], removed: ['b.txt'], modified: ['a.txt'] },
    });
    await expect(datasets.requireUnchanged(pinFile)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('a.txt modified, d.txt added, b.txt removed'),
    });
    for (const name of readdirSync(folder)) rmSync(join(folder, name));
    expect(await datasets.status(pinFile)).toMatchObject({
      state: 'changed',
      changes: { added: [], removed: ['a.txt', 'b.txt', 'c.txt'], modified: [] },
    });
    database.close();
  });

  it('refuses pipes, line breaks in names and an empty --name; gc refuses without a kept folder manifest', async () => {
    const { root, database, cache, datasets } = workspace();
    const folder = join(root, 'odd');
    mkdirSync(folder);
    writeFileSync(join(folder, 'ok.txt'), 'ok');
    execFileSync('mkfifo', [join(folder, 'pipe.jsonl')]);
    await expect(datasets.pin(folder, { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `${join(folder, 'pipe.jsonl')} is not a regular file (a pipe, socket or device); a dataset holds its own bytes`,
    });
    await expect(datasets.pin(join(folder, 'pipe.jsonl'), { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    rmSync(join(folder, 'pipe.jsonl'));
    writeFileSync(join(folder, 'line\nbreak.txt'), 'x');
    await expect(datasets.pin(folder, { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('a file name with a line break cannot be pinned'),
    });
    rmSync(join(folder, 'line\nbreak.txt'));
    await expect(datasets.pin(folder, { actor: 'dev@corp', name: ' ' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    // The project's root holds the cache (.airlock/cache): pinning it would pin the cache; so
    // would a folder reached through a link, or one holding the store's database.
    await expect(datasets.pin(root, { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining("holds Airlock's own files"),
    });
    symlinkSync(root, `${root}-link`);
    await expect(datasets.pin(`${root}-link`, { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    const elsewhere = createDatasets({
      store: createSqliteDatasetsStore(database),
      cache: createLocalCache(join(temporaryDirectory('airlock-datasets-cache-'), 'cache')),
      keepOut: [join(root, '.airlock', 'airlock.db')],
    });
    await expect(elsewhere.pin(root, { actor: 'dev@corp' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining(`(${join(root, '.airlock', 'airlock.db')})`),
    });
    // A dotfile dataset is named after itself, not "".
    writeFileSync(join(root, '.air'), 'x');
    expect((await elsewhere.pin(join(root, '.air'), { actor: 'dev@corp' })).pin.name).toBe('.air');
    expect(existsSync(`${folder}.pin.yaml`)).toBe(false);

    const { pin } = await datasets.pin(folder, { actor: 'dev@corp' });
    // A stray file in the cache's objects folder is not the cache's: listing still works.
    writeFileSync(join(cache.dir, 'sha256', '.DS_Store'), '');
    expect(cache.list()).toHaveLength(2);
    rmSync(cache.objectPath(pin.sha256), { force: true });
    await expect(datasets.gc({ keep: [pin], dryRun: false })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('the manifest of odd is not in the cache'),
    });
    expect(cache.list()).toHaveLength(1);
    expect(await datasets.verifyCache([pin.sha256, ...cache.list()])).toMatchObject({
      checked: 1,
      missing: [pin.sha256],
      corrupt: [],
    });
    database.close();
  });
});
