import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AirlockError, ensureDirectory, sha256Hex } from '@airlock/core';
import { forEachLimit } from './concurrency.ts';
import { defaultThreads, type FileTask, hashFileBatch, restoreFileBatch } from './file-batch.ts';
import {
  changedWhileHashing,
  damagedObject,
  type FileIdentity,
  hashFile,
  identityOf,
  objectResized,
  sameIdentity,
  smallFile,
} from './hashing.ts';
import type { LocalCache } from './local-cache.ts';
import { isWorkspaceTemporary, workspaceTemporary } from './object-files.ts';
import { type PinFile, pinPathFor, readPinFile, writePinFile } from './pin-file.ts';
import type { RemoteStore } from './remote.ts';
import { formatOf, parseCsv } from './rows.ts';
import type { DatasetsStore, DatasetVersion } from './store.ts';
import { listTree, type ManifestEntry, manifestText, parseManifest } from './tree.ts';

export interface DatasetsOptions {
  store: DatasetsStore;
  cache: LocalCache;
  /** Where objects are shared (push / pull); optional, the rest works without one. */
  remote?: RemoteStore;
  /** Transfers in flight at once (default 8). */
  concurrency?: number;
  /** Threads that read and hash a large folder's files at once (default: one per CPU, at most 4). */
  threads?: number;
  /** Paths no pinned folder may contain besides the cache (the store's database, say). */
  keepOut?: readonly string[];
  /**
   * A file whose ctime is less than this many milliseconds before it was looked at is read but
   * not remembered in the stat cache (default 2,000; 0 remembers every file). An edit in the same
   * file-system clock tick as the read leaves size, mtime and ctime as they were (git calls such
   * entries "racily clean"); 2 s also covers FAT's two-second timestamps.
   */
  settleMs?: number;
  now?: () => Date;
}

/** Progress of a transfer, for a progress bar. */
export type TransferProgress = (
  done: { objects: number; bytes: number },
  total: { objects: number; bytes: number },
) => void;

/** What hashing a file or folder found, and how much of it had to be read. */
export interface HashResult {
  sha256: string;
  size: number;
  files: number;
  format: PinFile['format'];
  /** For a folder: its manifest. */
  entries?: ManifestEntry[];
  /** Files whose bytes were read (the others came from the stat cache). */
  hashed: number;
}

export type DatasetState = 'unchanged' | 'changed' | 'missing';

/** How a folder differs from its pin, by relative path (each list sorted). */
export interface FolderChanges {
  added: string[];
  removed: string[];
  modified: string[];
}

/** `a.jsonl modified, b.jsonl added (and 3 more)`: the first few changes, for one line. */
export function describeChanges(changes: FolderChanges, shown = 3): string {
  const all = [
    ...changes.modified.map((file) => `${file} modified`),
    ...changes.added.map((file) => `${file} added`),
    ...changes.removed.map((file) => `${file} removed`),
  ];
  const more = all.length - shown;
  return all.slice(0, shown).join(', ') + (more > 0 ? ` (and ${more} more)` : '');
}

export interface DatasetStatus {
  name: string;
  pinFile: string;
  path: string;
  sha256: string;
  state: DatasetState;
  currentSha256?: string;
  /** For a changed folder (when the cache holds its manifest): what differs. */
  changes?: FolderChanges;
  /** Objects the pin needs that the local cache lacks (a folder's manifest first). */
  missingFromCache: string[];
}

/** Data rows: non-blank JSONL lines (streamed), or CSV records (quoted newlines respected, header excluded). */
async function countRows(path: string, format: PinFile['format']): Promise<number | undefined> {
  if (format === 'csv') return parseCsv(readFileSync(path, 'utf8')).length;
  if (format !== 'jsonl') return undefined;
  let rows = 0;
  let lineHasContent = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (const byte of chunk as Buffer) {
      if (byte === 10) {
        if (lineHasContent) rows++;
        lineHasContent = false;
      } else if (byte !== 32 && byte !== 9 && byte !== 13) lineHasContent = true;
    }
  }
  return lineHasContent ? rows + 1 : rows;
}

/**
 * Copies one large cache object over a workspace file atomically (a temporary file beside it,
 * renamed into place). The object was re-hashed before the checkout touched anything.
 */
async function restoreLarge(target: string, entry: ManifestEntry, cache: LocalCache): Promise<void> {
  ensureDirectory(dirname(target), 'the workspace folder');
  const temporary = workspaceTemporary(target);
  try {
    await pipeline(cache.open(entry.sha256), createWriteStream(temporary, { flags: 'wx' }));
    // Re-hashed by the checkout moments ago; a size that differs now is damage since then.
    const written = statSync(temporary).size;
    if (written !== entry.size) throw objectResized(cache.objectPath(entry.sha256), entry.size, written);
    renameSync(temporary, target);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** A dataset path that is a symbolic link is refused: checkout would write (and remove) wherever it points. */
function refuseLink(path: string): void {
  if (lstatSync(path).isSymbolicLink()) {
    throw new AirlockError('INVALID_INPUT', `${path} is a symbolic link; a dataset holds its own bytes`);
  }
}

/** Removes workspace temporary files of killed writes under a folder (or beside a file), older than `before`. */
function removeLeftovers(path: string, folder: boolean, before: Date): number {
  const candidates = folder
    ? readdirSync(path, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && isWorkspaceTemporary(entry.name))
        .map((entry) => join(entry.parentPath, entry.name))
    : readdirSync(dirname(path))
        .filter((name) => name.startsWith(`.${basename(path)}.`) && isWorkspaceTemporary(name))
        .map((name) => join(dirname(path), name));
  let removed = 0;
  for (const leftover of candidates) {
    const stats = statSync(leftover, { throwIfNoEntry: false });
    if (stats && stats.mtime < before) {
      rmSync(leftover, { force: true });
      removed++;
    }
  }
  return removed;
}

/** A dataset's default name: its file name without the extension (a dotfile keeps its dot). */
function defaultName(path: string): string {
  const name = basename(path);
  return name.replace(/\.[^.]+$/, '') || name;
}

/** Whether `path` is `folder` or inside it, links resolved (a cache reached through a symlink too). */
function isWithin(folder: string, path: string): boolean {
  const real = (target: string) => {
    try {
      return realpathSync.native(target);
    } catch {
      return resolve(target);
    }
  };
  const outer = real(folder);
  const inner = real(path);
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : `${outer}${sep}`);
}

async function findAsync<T>(
  items: readonly T[],
  test: (item: T) => Promise<boolean>,
): Promise<T | undefined> {
  for (const item of items) if (await test(item)) return item;
  return undefined;
}

/** Removes the folders above `relativePath` (inside `root`, not `root` itself) that are now empty. */
function removeEmptyFolders(root: string, relativePath: string): void {
  const parts = relativePath.split('/').slice(0, -1);
  for (let depth = parts.length; depth > 0; depth--) {
    try {
      rmdirSync(join(root, ...parts.slice(0, depth)));
    } catch {
      return; // not empty (or already gone): nothing above it is empty either
    }
  }
}

/**
 * Datasets versioned by content: pin (hash, copy into the cache, write the pin file), status,
 * the eval-facing "is this exactly its pin?" check, checkout from the cache, cache verify and gc.
 */
export function createDatasets(options: DatasetsOptions) {
  const { store, cache } = options;
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  const settleMs = options.settleMs ?? 2000;
  if (!Number.isFinite(settleMs) || settleMs < 0) {
    throw new AirlockError('INVALID_INPUT', `settleMs must be 0 or more milliseconds, not ${settleMs}`);
  }

  /**
   * Remembers files read (or written) since `since` (ms, taken before their stat), leaving out
   * those changed within the settle window before it: a later edit in that tick could not be told.
   */
  function remember(entries: { path: string; identity: FileIdentity; sha256: string }[], since: number) {
    if (settleMs <= 0) return store.rememberHashes(entries);
    const settledBefore = BigInt(Math.floor(since - settleMs)) * 1_000_000n;
    store.rememberHashes(entries.filter((entry) => BigInt(entry.identity.ctimeNs) < settledBefore));
  }

  /**
   * One file's hash: from the stat cache when size, mtime, inode and ctime are unchanged (and, when
   * copying, the cache holds the object); else read, and copied into the cache re-hashing (bytes
   * that no longer match are refused).
   */
  async function fileHash(
    path: string,
    copy = false,
    rehash = false,
  ): Promise<{ sha256: string; identity: FileIdentity; read: boolean }> {
    const identity = identityOf(statSync(path, { bigint: true }));
    // A gate (check, verify) re-reads every byte: a file can be edited behind the stat cache (another tool, a clock jump).
    const cached = rehash ? undefined : store.cachedHash(resolve(path), identity);
    if (cached && (!copy || cache.has(cached))) return { sha256: cached, identity, read: false };
    const hashed = await hashFile(path);
    if (copy) await cache.putFile(hashed.sha256, path);
    return { ...hashed, read: true };
  }

  async function hashPath(
    path: string,
    copy = false,
    rehash = false,
    allowEmpty = false,
  ): Promise<HashResult> {
    if (!existsSync(path)) throw new AirlockError('NOT_FOUND', `${path}: no such file or folder`);
    refuseLink(path);
    const kind = statSync(path);
    if (!kind.isDirectory() && !kind.isFile()) {
      throw new AirlockError(
        'INVALID_INPUT',
        `${path} is not a regular file or folder (a pipe, socket or device)`,
      );
    }
    if (!kind.isDirectory()) {
      const since = Date.now();
      const { sha256, identity, read } = await fileHash(path, copy, rehash);
      if (read) remember([{ path: resolve(path), identity, sha256 }], since);
      return { sha256, size: identity.size, files: 1, format: formatOf(path), hashed: read ? 1 : 0 };
    }
    const { entries, hashed } = await hashFolder(path, copy, rehash);
    if (entries.length === 0 && !allowEmpty)
      throw new AirlockError('INVALID_INPUT', `${path} is an empty folder: nothing to pin`);
    return {
      sha256: sha256Hex(manifestText(entries)),
      size: entries.reduce((sum, entry) => sum + entry.size, 0),
      files: entries.length,
      format: 'directory',
      entries,
      hashed,
    };
  }

  /** A folder's files with their hashes (stat cache first), and how many had to be read. */
  async function hashFolder(
    path: string,
    copy: boolean,
    rehash: boolean,
  ): Promise<{ entries: ManifestEntry[]; hashed: number }> {
    const entries: ManifestEntry[] = [];
    const since = Date.now();
    // A folder looks up its whole stat cache in one query, and the cache's objects in one listing,
    // instead of one query and one existsSync per file: re-pinning 10,000 files is mostly stat calls.
    const root = resolve(path);
    const hashes = rehash ? new Map() : store.cachedHashesUnder(root);
    const objects = new Set(copy ? cache.list() : []);
    // Absolute paths by concatenation: resolve/join per file was a tenth of a re-pin.
    const absolute =
      sep === '/'
        ? (relativePath: string) => `${root}/${relativePath}`
        : (relativePath: string) => join(root, relativePath);
    // Files the stat cache cannot vouch for: small ones are read by a batch (on several threads
    // when there are many), large ones streamed one at a time.
    const small: { index: number; task: FileTask }[] = [];
    const large: { index: number; task: FileTask }[] = [];
    for (const relativePath of listTree(path)) {
      const full = absolute(relativePath);
      const identity = identityOf(statSync(full, { bigint: true }));
      const remembered = hashes.get(full);
      const known =
        remembered &&
        sameIdentity(remembered.identity, identity) &&
        (!copy || objects.has(remembered.sha256));
      if (!known) {
        (identity.size < smallFile ? small : large).push({
          index: entries.length,
          task: { path: full, identity },
        });
      }
      entries.push({ path: relativePath, sha256: known ? remembered.sha256 : '', size: identity.size });
    }
    const remembered: { path: string; identity: FileIdentity; sha256: string }[] = [];
    const threads = options.threads ?? defaultThreads();
    const tasks = small.map((file) => file.task);
    const read = copy
      ? await cache.putFiles(tasks, objects, threads)
      : await hashFileBatch(tasks, { threads });
    small.forEach(({ index, task }, at) => {
      const sha256 = read.results[at] as string;
      (entries[index] as ManifestEntry).sha256 = sha256;
      remembered.push({ path: task.path, identity: task.identity, sha256 });
    });
    for (const { index, task } of large) {
      const full = task.path;
      const { sha256, identity } = await hashFile(full);
      // The manifest took its size from the listing's stat: the file must still be that file.
      if (!sameIdentity(identity, task.identity)) {
        throw changedWhileHashing(full);
      }
      if (copy && !objects.has(sha256)) await cache.putFile(sha256, full);
      objects.add(sha256);
      (entries[index] as ManifestEntry).sha256 = sha256;
      remembered.push({ path: full, identity, sha256 });
    }
    remember(remembered, since);
    return { entries, hashed: remembered.length };
  }

  /** Re-hashes these entries' cache objects; a damaged one is CHECK_FAILED, naming it. */
  async function requireIntact(stale: readonly ManifestEntry[]): Promise<void> {
    // Each object once, however many files share its bytes.
    const entries = [...new Map(stale.map((entry) => [entry.sha256, entry])).values()];
    const small = entries.filter((entry) => entry.size < smallFile);
    const { results } = await hashFileBatch(
      small.map((entry) => {
        const path = cache.objectPath(entry.sha256);
        return { path, identity: identityOf(statSync(path, { bigint: true })) };
      }),
      { threads: options.threads ?? defaultThreads() },
    );
    const damaged =
      small.find((entry, at) => results[at] !== entry.sha256) ??
      (await findAsync(
        entries.filter((entry) => entry.size >= smallFile),
        async (entry) => {
          return (await hashFile(cache.objectPath(entry.sha256))).sha256 !== entry.sha256;
        },
      ));
    if (damaged) throw damagedObject(cache.objectPath(damaged.sha256));
  }

  /** What a workspace path holds now, by relative path ('' for a single file): none if absent. */
  async function workspaceHashes(path: string, folder: boolean): Promise<Map<string, string>> {
    if (!existsSync(path)) return new Map();
    refuseLink(path);
    if (statSync(path).isDirectory() !== folder) {
      throw new AirlockError(
        'PRECONDITION_FAILED',
        `${path} is a ${folder ? 'file' : 'folder'} but the pin is a ${folder ? 'folder' : 'file'}; move it away first`,
      );
    }
    if (!folder) return new Map([['', (await fileHash(path)).sha256]]);
    const { entries } = await hashFolder(path, false, false);
    return new Map(entries.map((entry) => [entry.path, entry.sha256]));
  }

  /** For a changed folder whose manifest the cache holds: which files were added, removed, modified. */
  function changesOf(pin: PinFile, current: HashResult): FolderChanges | undefined {
    if (pin.format !== 'directory' || !current.entries || !cache.has(pin.sha256)) return undefined;
    const pinned = new Map(
      parseManifest(readFileSync(cache.objectPath(pin.sha256), 'utf8')).map((entry) => [
        entry.path,
        entry.sha256,
      ]),
    );
    const now = new Map(current.entries.map((entry) => [entry.path, entry.sha256]));
    return {
      added: [...now.keys()].filter((file) => !pinned.has(file)),
      removed: [...pinned.keys()].filter((file) => !now.has(file)),
      modified: [...now]
        .filter(([file, sha256]) => pinned.has(file) && pinned.get(file) !== sha256)
        .map(([file]) => file),
    };
  }

  /** Every object a pinned dataset consists of. */
  function objectsOf(pin: PinFile): string[] {
    if (pin.format !== 'directory') return [pin.sha256];
    if (!cache.has(pin.sha256)) return [pin.sha256];
    const manifest = parseManifest(readFileSync(cache.objectPath(pin.sha256), 'utf8'));
    return [pin.sha256, ...new Set(manifest.map((entry) => entry.sha256))];
  }

  /**
   * The objects the cache lacks. Many are checked against one listing of the cache (256 folder
   * reads) rather than one existence check each; a few, one by one.
   */
  function missingFromCache(objects: readonly string[]): string[] {
    if (objects.length <= 256) return objects.filter((sha256) => !cache.has(sha256));
    const present = new Set(cache.list());
    return objects.filter((sha256) => !present.has(sha256));
  }

  function requireRemote(): RemoteStore {
    if (options.remote) return options.remote;
    throw new AirlockError('PRECONDITION_FAILED', 'no remote is configured: add remote.s3 to airlock.yaml');
  }

  function dataPathOf(pinFile: string, pin: PinFile): string {
    return resolve(dirname(pinFile), pin.path);
  }

  return {
    hashPath,

    /**
     * Pins a file or folder: hashes it (re-reading only what changed), copies the bytes into the
     * cache (re-hashed on the way in, so a file changed after hashing is refused), writes the
     * pin file and records the version.
     */
    async pin(dataPath: string, input: { actor: string; name?: string }) {
      if (input.name !== undefined && input.name.trim() === '') {
        throw new AirlockError('INVALID_INPUT', 'a dataset name cannot be empty');
      }
      const path = resolve(dataPath);
      // A folder holding Airlock's own cache or store (`pin .` at a project's root) would pin them.
      for (const own of [cache.dir, ...(options.keepOut ?? [])]) {
        if (isWithin(path, own)) {
          throw new AirlockError(
            'INVALID_INPUT',
            `${dataPath} holds Airlock's own files (${own}); pin the data folder inside it instead`,
          );
        }
      }
      const pinFile = pinPathFor(path);
      const previous = existsSync(pinFile) ? readPinFile(pinFile) : undefined;
      let result: HashResult;
      try {
        // Hashing and copying into the cache in one pass: every byte cached was hashed as it was read.
        result = await hashPath(path, true);
        if (result.entries) {
          const manifest = Buffer.from(manifestText(result.entries));
          cache.putBytes(result.sha256, manifest);
        }
      } catch (error) {
        if (error instanceof AirlockError && error.code === 'CONFLICT') {
          throw new AirlockError(
            'CONFLICT',
            `${dataPath} changed while it was being pinned; pin it again once it is written`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
      const unchanged = previous?.sha256 === result.sha256;
      const rows = unchanged
        ? previous?.rows
        : result.entries
          ? undefined
          : await countRows(path, result.format);
      const pin: PinFile = {
        name: input.name ?? previous?.name ?? defaultName(path),
        path: basename(path) + (result.entries ? '/' : ''),
        sha256: result.sha256,
        size: result.size,
        files: result.files,
        ...(rows === undefined ? {} : { rows }),
        format: result.format,
        pinned_at: unchanged && previous ? previous.pinned_at : now(),
        pinned_by: unchanged && previous ? previous.pinned_by : input.actor,
      };
      if (!unchanged || previous?.name !== pin.name) writePinFile(pinFile, pin);
      const created = await store.recordVersion({
        name: pin.name,
        sha256: pin.sha256,
        size: pin.size,
        files: pin.files,
        ...(pin.rows === undefined ? {} : { rows: pin.rows }),
        format: pin.format,
        path: pin.path,
        pinnedAt: pin.pinned_at,
        pinnedBy: pin.pinned_by,
      });
      return { pin, pinFile, changed: !unchanged, created, hashedFiles: result.hashed };
    },

    /** Whether the data still matches its pin, and which objects the cache lacks. */
    /** `rehash` reads every byte instead of trusting the stat cache (what verify and check do). */
    async status(pinFile: string, options: { rehash?: boolean } = {}): Promise<DatasetStatus> {
      const pin = readPinFile(pinFile);
      const path = dataPathOf(pinFile, pin);
      const base = { name: pin.name, pinFile, path, sha256: pin.sha256 };
      if (!existsSync(path)) {
        return { ...base, state: 'missing', missingFromCache: missingFromCache(objectsOf(pin)) };
      }
      const current = await hashPath(path, false, options.rehash ?? false, true);
      const unchanged = current.sha256 === pin.sha256;
      const changes = unchanged ? undefined : changesOf(pin, current);
      // Unchanged: the folder's entries are its manifest's, which need not be read back from the cache.
      const objects =
        unchanged && current.entries
          ? [pin.sha256, ...new Set(current.entries.map((entry) => entry.sha256))]
          : objectsOf(pin);
      return {
        ...base,
        state: unchanged ? 'unchanged' : 'changed',
        currentSha256: current.sha256,
        ...(changes ? { changes } : {}),
        missingFromCache: missingFromCache(objects),
      };
    },

    /**
     * The check an eval runs first: the data is exactly its pin, or the run is refused
     * (seed 003: "refuses to run evaluation if the eval set has uncommitted changes").
     */
    async requireUnchanged(pinFile: string, display: string = pinFile): Promise<PinFile> {
      const pin = readPinFile(pinFile, display);
      const path = dataPathOf(pinFile, pin);
      const shown = relative(process.cwd(), path) || path;
      if (!existsSync(path)) {
        const restore =
          missingFromCache(objectsOf(pin)).length > 0
            ? `run airlock dataset pull ${display}, then airlock dataset checkout ${display}`
            : `run airlock dataset checkout ${display}`;
        throw new AirlockError('PRECONDITION_FAILED', `${shown} is missing; ${restore}`, {
          context: { pin: display, path },
        });
      }
      const current = await hashPath(path, false, true, true);
      if (current.sha256 !== pin.sha256) {
        const changes = changesOf(pin, current);
        throw new AirlockError(
          'PRECONDITION_FAILED',
          `${shown} changed since it was pinned (pin ${pin.sha256.slice(0, 12)}, now ${current.sha256.slice(0, 12)}${changes ? `; ${describeChanges(changes)}` : ''}); pin it again or restore it with airlock dataset checkout`,
          {
            context: {
              pin: display,
              path,
              expected: pin.sha256,
              actual: current.sha256,
              ...(changes ? { changes } : {}),
            },
          },
        );
      }
      return pin;
    },

    /**
     * Restores the pinned bytes into the workspace from the cache: only files that differ from
     * the pin (judged by the stat cache) are written, each replaced atomically, small ones on
     * several threads and re-hashed on their way out of the cache. A folder is restored exactly.
     */
    async checkout(
      pinFile: string,
    ): Promise<{ path: string; files: number; written: number; removed: number }> {
      const pin = readPinFile(pinFile);
      const path = dataPathOf(pinFile, pin);
      const missing = missingFromCache(objectsOf(pin));
      if (missing.length > 0) {
        throw new AirlockError(
          'NOT_FOUND',
          `${missing.length} object(s) of ${pin.name} are not in the cache (first: ${missing[0]}); run airlock dataset pull first`,
          { context: { missing } },
        );
      }
      const folder = pin.format === 'directory';
      const entries = folder
        ? parseManifest(readFileSync(cache.objectPath(pin.sha256), 'utf8'))
        : [{ path: '', sha256: pin.sha256, size: pin.size }];
      const current = await workspaceHashes(path, folder);
      const stale = entries.filter((entry) => current.get(entry.path) !== entry.sha256);
      // Every object to restore is re-hashed before anything in the workspace is removed or
      // replaced: a damaged one stops the checkout with the workspace as it was.
      await requireIntact(stale);
      const since = Date.now();
      const target = (entry: { path: string }) => (entry.path === '' ? path : join(path, entry.path));
      // A folder is restored exactly. Files it did not have when pinned go first, so none is in a
      // pinned file's way (`sub` now a file where `sub/a.txt` was), with folders they leave empty.
      let removed = 0;
      if (folder) {
        const pinned = new Set(entries.map((entry) => entry.path));
        for (const extra of current.keys()) {
          if (pinned.has(extra)) continue;
          rmSync(join(path, extra));
          removeEmptyFolders(path, extra);
          removed++;
        }
      }
      // A folder where a pinned file was (`a.txt/`): what was in it was extra, so it is empty now.
      for (const entry of stale) {
        if (folder && statSync(target(entry), { throwIfNoEntry: false })?.isDirectory()) {
          rmSync(target(entry), { recursive: true });
        }
      }
      const small = stale.filter((entry) => entry.size < smallFile);
      const restored = await restoreFileBatch(
        small.map((entry) => ({
          object: cache.objectPath(entry.sha256),
          target: target(entry),
          size: entry.size,
        })),
        { threads: options.threads ?? defaultThreads() },
      );
      // The stat cache learns the files just written, so the next status or pin need not read them —
      // with a settle window (the default) they are all inside it, and none is remembered here.
      const remembered = small.map((entry, at) => ({
        path: resolve(target(entry)),
        identity: restored.results[at] as FileIdentity,
        sha256: entry.sha256,
      }));
      for (const entry of stale.filter((entry) => entry.size >= smallFile)) {
        await restoreLarge(target(entry), entry, cache);
        const written = resolve(target(entry));
        remembered.push({
          path: written,
          identity: identityOf(statSync(written, { bigint: true })),
          sha256: entry.sha256,
        });
      }
      remember(remembered, since);
      // Temporary files of an earlier checkout that was killed (an hour old: not one running now).
      removed += removeLeftovers(path, folder, new Date(new Date(now()).getTime() - 60 * 60 * 1000));
      return { path, files: entries.length, written: stale.length, removed };
    },

    /**
     * Re-hashes cache objects; any that no longer match their name are reported, and with
     * `repair` removed (so the next pin stores them again from the workspace, or pull fetches them).
     */
    async verifyCache(objects: readonly string[] = cache.list(), options: { repair?: boolean } = {}) {
      const corrupt: { sha256: string; actual: string }[] = [];
      const missing = missingFromCache(objects);
      const absent = new Set(missing);
      for (const sha256 of objects) {
        if (absent.has(sha256)) continue;
        const digest = createHash('sha256');
        for await (const chunk of cache.open(sha256)) digest.update(chunk as Buffer);
        const actual = digest.digest('hex');
        if (actual !== sha256) {
          corrupt.push({ sha256, actual });
          if (options.repair) cache.remove(sha256);
        }
      }
      return { checked: objects.length - missing.length, missing, corrupt, removed: options.repair === true };
    },

    /** Objects a set of pins needs (what gc keeps, what push sends). */
    objectsOf,

    /**
     * Deletes cache objects no kept pin needs, and temporary files that writes killed midway left
     * behind (an hour old or more, so no write in progress is touched). A dry run (the default)
     * only reports them.
     */
    async gc(input: { keep: readonly PinFile[]; dryRun: boolean }) {
      // A folder's objects are known from its manifest: without it, they would all look unused.
      const unknown = input.keep.filter((pin) => pin.format === 'directory' && !cache.has(pin.sha256));
      if (unknown.length > 0) {
        throw new AirlockError(
          'PRECONDITION_FAILED',
          `the manifest of ${unknown.map((pin) => pin.name).join(', ')} is not in the cache, so gc cannot tell which objects it needs; run airlock dataset pull (or pin it again) first`,
          { context: { missing: unknown.map((pin) => pin.sha256) } },
        );
      }
      const keep = new Set(input.keep.flatMap(objectsOf));
      const unused = cache.list().filter((sha256) => !keep.has(sha256));
      const objects = unused.map((sha256) => ({ sha256, size: cache.size(sha256) }));
      const hourAgo = new Date(new Date(now()).getTime() - 60 * 60 * 1000);
      const leftovers = cache.leftovers(hourAgo);
      if (!input.dryRun) {
        for (const object of objects) cache.remove(object.sha256);
        for (const leftover of leftovers) rmSync(leftover.path, { force: true });
      }
      return {
        objects,
        bytes: objects.reduce((sum, object) => sum + object.size, 0),
        leftovers,
        leftoverBytes: leftovers.reduce((sum, leftover) => sum + leftover.size, 0),
        deleted: !input.dryRun,
      };
    },

    /**
     * Sends the objects of these pins that the remote lacks (found by one listing or a HEAD each,
     * whichever is cheaper), at most `concurrency` at a time. Objects are never overwritten, so a
     * push stopped midway is finished by running it again.
     */
    async push(pins: readonly PinFile[], onProgress?: TransferProgress) {
      const remote = requireRemote();
      const objects = [...new Set(pins.flatMap(objectsOf))];
      const absent = missingFromCache(objects);
      if (absent.length > 0) {
        throw new AirlockError(
          'NOT_FOUND',
          `${absent.length} object(s) are not in the local cache (first: ${absent[0]}); pin or pull first`,
        );
      }
      const missing = await remote.missing(objects);
      const sizes = new Map(missing.map((sha256) => [sha256, cache.size(sha256)]));
      const total = {
        objects: missing.length,
        bytes: [...sizes.values()].reduce((sum, size) => sum + size, 0),
      };
      const done = { objects: 0, bytes: 0 };
      await forEachLimit(missing, options.concurrency ?? 8, async (sha256) => {
        const size = sizes.get(sha256) ?? 0;
        // Small objects go up as one buffer: a file stream per tiny object costs more than the bytes.
        await remote.upload(sha256, size, () =>
          size < smallFile ? readFileSync(cache.objectPath(sha256)) : cache.open(sha256),
        );
        done.objects++;
        done.bytes += size;
        onProgress?.(done, total);
      });
      return {
        location: remote.location,
        objects: objects.length,
        uploaded: missing.length,
        bytes: total.bytes,
      };
    },

    /**
     * Fetches the objects of these pins that the cache lacks. Every byte is re-hashed on its way
     * into the cache: an object whose bytes do not match its name is refused, naming it, and
     * neither the cache nor the workspace changes.
     */
    async pull(pins: readonly PinFile[], onProgress?: TransferProgress) {
      const remote = requireRemote();
      const fetchAll = async (objects: readonly string[]) => {
        const missing = missingFromCache([...new Set(objects)]);
        const done = { objects: 0, bytes: 0 };
        await forEachLimit(missing, options.concurrency ?? 8, async (sha256) => {
          try {
            const { size } = await cache.put(sha256, () => remote.download(sha256));
            done.objects++;
            done.bytes += size;
            onProgress?.(done, { objects: missing.length, bytes: 0 });
          } catch (error) {
            if (error instanceof AirlockError && error.code === 'CONFLICT') {
              const actual = String(error.context.actual ?? '');
              throw new AirlockError(
                'CHECK_FAILED',
                `object ${sha256} on ${remote.location} is corrupt: its bytes hash to ${actual}; it was not stored, and the workspace is untouched`,
                { context: { object: sha256, expected: sha256, actual } },
              );
            }
            throw error;
          }
        });
        return missing.length;
      };
      // A folder's manifest comes first: it names the folder's other objects.
      let fetched = await fetchAll(pins.filter((pin) => pin.format === 'directory').map((pin) => pin.sha256));
      fetched += await fetchAll(pins.flatMap(objectsOf));
      return { location: remote.location, fetched };
    },

    /** Which of a pin's objects the remote lacks. */
    async missingOnRemote(pin: PinFile): Promise<string[]> {
      return requireRemote().missing(objectsOf(pin));
    },

    /**
     * Downloads and re-hashes the remote copies of these pins' objects without keeping them:
     * "exists" on the remote is never taken for "valid".
     */
    async verifyRemote(pins: readonly PinFile[]) {
      const remote = requireRemote();
      const objects = [...new Set(pins.flatMap(objectsOf))];
      const missing = await remote.missing(objects);
      const corrupt: { sha256: string; actual: string }[] = [];
      await forEachLimit(
        objects.filter((sha256) => !missing.includes(sha256)),
        options.concurrency ?? 8,
        async (sha256) => {
          const digest = createHash('sha256');
          for await (const chunk of await remote.download(sha256)) digest.update(chunk as Buffer);
          const actual = digest.digest('hex');
          if (actual !== sha256) corrupt.push({ sha256, actual });
        },
      );
      return { location: remote.location, checked: objects.length - missing.length, missing, corrupt };
    },

    async listVersions(name?: string): Promise<DatasetVersion[]> {
      return store.listVersions(name);
    },
  };
}

export type Datasets = ReturnType<typeof createDatasets>;
