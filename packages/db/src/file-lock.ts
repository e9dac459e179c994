import { dirname } from 'node:path';
import { AirlockError, ensureDirectory } from '@airlock/core';
import BetterSqlite3 from 'better-sqlite3';

export interface FileLockOptions {
  /** How long to wait for another process to release the lock before failing (default 10 s). */
  timeoutMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock on `lockPath` that every other process (and every other
 * caller in this one) waits for. The lock is SQLite's own file lock, taken by `BEGIN EXCLUSIVE` on
 * an empty database at `lockPath`: the kernel drops it when the holder exits, even by `kill -9`,
 * so there is never a stale lock to detect or break (a lock *file* created with `O_EXCL` would
 * outlive a killed holder). The database stays empty: SQLite writes its 4 KB header on first use and
 * nothing after that.
 *
 * Waiting blocks the thread (SQLite's busy handler sleeps), so keep `fn` short. A lock still held
 * after `timeoutMs` is CONFLICT.
 */
export function withFileLock<T>(lockPath: string, fn: () => T, options: FileLockOptions = {}): T {
  const timeoutMs = options.timeoutMs ?? 10_000;
  ensureDirectory(dirname(lockPath), 'the lock folder');
  // The default rollback journal (DELETE), not WAL: in WAL mode readers share the file with a
  // writer, while here BEGIN EXCLUSIVE must shut every other locker out. Setting journal_mode
  // would itself need a lock, so the default is left alone.
  const database = new BetterSqlite3(lockPath, { timeout: timeoutMs });
  try {
    const started = Date.now();
    try {
      database.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      throw lockError(error, lockPath, Date.now() - started);
    }
    let result: T;
    try {
      result = fn();
    } catch (error) {
      database.exec('ROLLBACK');
      throw error;
    }
    database.exec('COMMIT');
    return result;
  } finally {
    database.close();
  }
}

function lockError(error: unknown, lockPath: string, waitedMs: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_BUSY') {
    return new AirlockError('CONFLICT', `${lockPath} is locked by another process (waited ${waitedMs} ms)`, {
      context: { path: lockPath },
      cause: error,
    });
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new AirlockError(
      'INVALID_INPUT',
      `${lockPath} is not a lock file (not SQLite); remove it if nothing else uses it`,
      { context: { path: lockPath }, cause: error },
    );
  }
  return error;
}
