import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
