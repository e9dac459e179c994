import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AirlockError, ensureDirectory } from '@airlock/core';
import BetterSqlite3 from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { betterSqliteDriver } from './drizzle.ts';

/** An open store: the raw better-sqlite3 handle (for migrations and pragmas) and drizzle over it. */
export interface Database {
  /** The file path, or `:memory:`. */
  readonly path: string;
  readonly sqlite: BetterSqlite3.Database;
  readonly orm: BetterSQLite3Database;
  close(): void;
}

export interface OpenDatabaseOptions {
  /** A file path (its folder is created) or `:memory:`. */
  path: string;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the SQLite store with the settings every Airlock process relies on:
 * WAL, so readers never block the writer; foreign keys enforced; a busy timeout, so two CLI runs
 * or API replicas on one file wait for each other instead of failing; synchronous=FULL, so a
 * committed release or audit entry survives a power cut.
 */
export function openDatabase(options: OpenDatabaseOptions): Database {
  const inMemory = options.path === ':memory:';
  if (!inMemory) {
    if (existsSync(options.path) && statSync(options.path).isDirectory()) {
      throw new AirlockError(
        'INVALID_INPUT',
        `the store ${options.path} is a folder; the store path names a file`,
        {
          context: { path: options.path },
        },
      );
    }
    ensureDirectory(dirname(options.path), 'the store folder');
  }
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(options.path);
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!inMemory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = FULL');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new AirlockError('INVALID_INPUT', `the store ${options.path} is not an SQLite database`, {
        context: { path: options.path },
        cause: error,
      });
    }
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') {
      throw new AirlockError('PRECONDITION_FAILED', `cannot open the store ${options.path} for writing`, {
        context: { path: options.path },
        cause: error,
      });
    }
    throw error;
  }
  const orm = betterSqliteDriver.drizzle({ client: sqlite });
  return {
    path: options.path,
    sqlite,
    orm,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}
