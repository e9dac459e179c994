import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { AirlockError } from './errors.ts';
import { parseYamlDocument } from './yaml-document.ts';

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

/**
 * Reads a user's YAML file and validates it (see `parseYamlDocument`). `displayPath` is how the
 * file is named in messages; it defaults to the path given.
 */
export function readYamlFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  displayPath: string = path,
): z.output<Schema> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') {
      throw new AirlockError('NOT_FOUND', `${displayPath}: no such file`, {
        context: { path },
        cause: error,
      });
    }
    if (isErrnoException(error) && error.code === 'EISDIR') {
      throw new AirlockError('INVALID_INPUT', `${displayPath}: is a directory, expected a YAML file`, {
        context: { path },
      });
    }
    throw error;
  }
  return parseYamlDocument(text, { file: displayPath, schema });
}

/**
 * Creates a folder and its missing parents, one level at a time. (Node's recursive mkdir spins
 * forever on some paths, such as under /proc.) A file in the way is INVALID_INPUT; a folder that
 * may not be written is PRECONDITION_FAILED; both name the path and what `purpose` it was for.
 */
export function ensureDirectory(path: string, purpose = 'folder'): void {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    let isDirectory: boolean | undefined;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      // ENOTDIR: some parent is a file; walking up finds it and says so.
      if (!isErrnoException(error) || (error.code !== 'ENOENT' && error.code !== 'ENOTDIR')) throw error;
    }
    if (isDirectory === true) break;
    if (isDirectory === false) {
      const where = current === resolve(path) ? `${purpose} ${path}` : `${purpose} ${path}: ${current}`;
      throw new AirlockError('INVALID_INPUT', `${where} is a file, not a folder`, {
        context: { path },
      });
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const directory of missing) {
    try {
      mkdirSync(directory);
    } catch (error) {
      if (isErrnoException(error) && error.code === 'EEXIST') continue;
      if (isErrnoException(error)) {
        throw new AirlockError(
          'PRECONDITION_FAILED',
          `${purpose} ${path}: cannot create ${directory} (${error.code})`,
          {
            context: { path },
            cause: error,
          },
        );
      }
      throw error;
    }
  }
}

export interface WriteFileAtomicOptions {
  /** When false (the default is true), an existing file is never replaced: CONFLICT instead. */
  overwrite?: boolean;
  /** File mode for a new file. */
  mode?: number;
}

/**
 * Writes a file so that readers, and a crash at any moment, see either the old content or the new,
 * never a part: the bytes go to a temporary file in the same folder, are flushed to disk, then
 * renamed over the target (or hard-linked, when overwriting is refused, so the check and the write
 * are one step and two writers cannot both win).
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const descriptor = openSync(temporary, 'wx', options.mode ?? 0o644);
  try {
    writeSync(descriptor, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    if (options.overwrite === false) {
      linkSync(temporary, path);
    } else {
      renameSync(temporary, path);
    }
  } catch (error) {
    if (isErrnoException(error) && error.code === 'EEXIST') {
      throw new AirlockError('CONFLICT', `${path} already exists; not overwriting it`, { context: { path } });
    }
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  syncDirectory(dirname(path));
}

/**
 * Writes several files as one step as far as can be: every file's bytes go to a temporary file
 * first (a full disk or a target that is a folder fails here, before any target changes), and
 * only then are they renamed over their targets. Used for report sets that must not be mixed.
 */
export function writeFilesAtomic(files: readonly { path: string; data: string | Uint8Array }[]): void {
  for (const { path } of files) {
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new AirlockError('INVALID_INPUT', `${path} is a folder; cannot write a file there`, {
        context: { path },
      });
    }
  }
  const staged: { temporary: string; path: string }[] = [];
  try {
    for (const { path, data } of files) {
      const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
      const descriptor = openSync(temporary, 'wx', 0o644);
      staged.push({ temporary, path });
      try {
        writeSync(descriptor, typeof data === 'string' ? Buffer.from(data) : data);
        fsyncSync(descriptor);
      } finally {
        closeSync(descriptor);
      }
    }
    for (const { temporary, path } of staged) renameSync(temporary, path);
  } finally {
    for (const { temporary } of staged) rmSync(temporary, { force: true });
  }
  for (const directory of new Set(files.map(({ path }) => dirname(path)))) syncDirectory(directory);
}

/** Makes a rename durable: the directory entry itself is flushed. */
function syncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    fsyncSync(descriptor);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
