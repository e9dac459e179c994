import { createRequire } from 'node:module';

// drizzle-orm is loaded through require, not import. Its package.json is 180 KB of `exports`,
// and Node's ESM resolver re-reads it for each of the ~150 modules drizzle loads: importing
// drizzle-orm/better-sqlite3 as ESM took ~800 ms of every CLI start here, through require ~140 ms
// (measured with --cpu-prof: the time is in package_json_reader). Every Airlock package takes
// drizzle from here, so there is one copy of it in a process. Types still come from the ESM
// declarations (`import type` costs nothing at run time).
const require = createRequire(import.meta.url);

/** drizzle-orm's operators and `sql` (eq, and, desc, …). */
export const drizzleOrm: typeof import('drizzle-orm') = require('drizzle-orm');
/** drizzle-orm/sqlite-core: table and column builders. */
export const sqliteCore: typeof import('drizzle-orm/sqlite-core') = require('drizzle-orm/sqlite-core');
/** drizzle-orm/better-sqlite3: the driver. */
export const betterSqliteDriver: typeof import('drizzle-orm/better-sqlite3') = require('drizzle-orm/better-sqlite3');
