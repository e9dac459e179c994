/** drizzle-orm, loaded once and fast (see drizzle.ts): use these instead of importing drizzle-orm. */

/** Opening the SQLite store (WAL, foreign keys, busy timeout) with drizzle over it. */
export { type Database, type OpenDatabaseOptions, openDatabase } from './database.ts';
export { betterSqliteDriver, drizzleOrm, sqliteCore } from './drizzle.ts';
/** An inter-process lock on a file that the kernel releases when its holder dies (even by kill -9). */
export { type FileLockOptions, withFileLock } from './file-lock.ts';
/** The migration runner packages contribute their tables through. */
export { applyMigrations, type Migration, type MigrationStatus, migrationStatus } from './migrations.ts';
/** The store's own tables and facts. */
export { readStoreInfo, storeMigrations } from './store-migrations.ts';
