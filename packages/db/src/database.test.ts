import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AirlockError } from '@airlock/core';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { raceMigrations } from '../test/race-migrations.ts';
import { openDatabase } from './database.ts';
import { applyMigrations, migrationStatus } from './migrations.ts';
import { readStoreInfo, storeMigrations } from './store-migrations.ts';

const run = promisify(execFile);
const storePath = () => join(temporaryDirectory('airlock-db-'), 'nested', 'airlock.db');

describe('openDatabase', () => {
  it('creates the file with WAL, foreign keys and a busy timeout', () => {
    const database = openDatabase({ path: storePath() });
    expect(database.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    database.close();
  });

  it('refuses a file that is not a database', () => {
    const path = join(temporaryDirectory('airlock-db-'), 'airlock.db');
    writeFileSync(path, 'this is not sqlite, just text long enough to fill a header..........');
    expect(() => openDatabase({ path })).toThrowError(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('is not an SQLite database'),
      }),
    );
  });
});

describe('migrations', () => {
  it('applies each migration once and reports status', () => {
    const path = storePath();
    const first = openDatabase({ path });
    expect(migrationStatus(first, storeMigrations).pending).toEqual(['db/0001_meta']);
    expect(applyMigrations(first, storeMigrations)).toEqual(['db/0001_meta']);
    const info = readStoreInfo(first);
    first.close();

    const again = openDatabase({ path });
    expect(applyMigrations(again, storeMigrations)).toEqual([]);
    expect(migrationStatus(again, storeMigrations)).toEqual({
      applied: ['db/0001_meta'],
      pending: [],
      unknown: [],
    });
    expect(readStoreInfo(again)).toEqual(info);
    expect(info?.storeId).toMatch(/^[0-9a-f]{32}$/);
    expect(migrationStatus(again, []).unknown).toEqual(['db/0001_meta']);
    again.close();
  });

  it('runs on :memory: with the real migrations', () => {
    const database = openDatabase({ path: ':memory:' });
    applyMigrations(database, storeMigrations);
    expect(readStoreInfo(database)).toBeDefined();
    database.close();
  });

  it('refuses a migration edited after it was applied', () => {
    const database = openDatabase({ path: storePath() });
    applyMigrations(database, [{ id: 'test/0001', sql: 'CREATE TABLE a (x INTEGER);' }]);
    expect(() =>
      applyMigrations(database, [{ id: 'test/0001', sql: 'CREATE TABLE a (x TEXT);' }]),
    ).toThrowError(AirlockError);
    database.close();
  });

  it('leaves nothing of a migration that fails halfway', () => {
    const database = openDatabase({ path: storePath() });
    const broken = { id: 'test/0001', sql: 'CREATE TABLE a (x INTEGER); INSERT INTO missing VALUES (1);' };
    expect(() => applyMigrations(database, [broken])).toThrow(/no such table: missing/);
    const tables = database.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").all();
    expect(tables).toEqual([]);
    expect(migrationStatus(database, [broken]).pending).toEqual(['test/0001']);
    database.close();
  });

  it('lets several processes migrate one file at once, each migration applied exactly once', async () => {
    const path = storePath();
    openDatabase({ path }).close();
    const child = join(import.meta.dirname, '../test/migrate-child.ts');
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, [child, path]).then(({ stdout }) => JSON.parse(stdout)),
      ),
    );
    expect(results.flat().sort()).toEqual(['test/0001_items', 'test/0002_fill']);
    const database = openDatabase({ path });
    expect(database.sqlite.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 200000 });
    expect(migrationStatus(database, raceMigrations).pending).toEqual([]);
    database.close();
  });
});
