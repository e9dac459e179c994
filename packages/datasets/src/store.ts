import type { Database } from '@airlock/db';
import { drizzleOrm, sqliteCore } from '@airlock/db';
import type { Statement as BetterSqliteStatement } from 'better-sqlite3';
import { type FileIdentity, sameIdentity } from './file-identity.ts';

const { asc, eq } = drizzleOrm;
const { integer, primaryKey, sqliteTable, text } = sqliteCore;

const versionsTable = sqliteTable(
  'datasets_versions',
  {
    name: text('name').notNull(),
    sha256: text('sha256').notNull(),
    size: integer('size').notNull(),
    files: integer('files').notNull(),
    rows: integer('rows'),
    format: text('format').notNull(),
    path: text('path').notNull(),
    pinnedAt: text('pinned_at').notNull(),
    pinnedBy: text('pinned_by').notNull(),
  },
  (table) => [primaryKey({ columns: [table.name, table.sha256] })],
);

export interface DatasetVersion {
  name: string;
  sha256: string;
  size: number;
  files: number;
  rows?: number;
  format: string;
  path: string;
  pinnedAt: string;
  pinnedBy: string;
}

/** What the datasets package keeps beyond the cache: pinned versions, and the stat cache. */
export interface DatasetsStore {
  recordVersion(version: DatasetVersion): Promise<boolean>;
  listVersions(name?: string): Promise<DatasetVersion[]>;
  /** The hash recorded for a file whose size, mtime, inode and ctime are unchanged, else undefined. */
  cachedHash(path: string, identity: FileIdentity): string | undefined;
  /** Every stat-cache entry under a folder, in one query (a folder pin looks up thousands). */
  cachedHashesUnder(folder: string): Map<string, { identity: FileIdentity; sha256: string }>;
  rememberHashes(entries: { path: string; identity: FileIdentity; sha256: string }[]): void;
}

export function createSqliteDatasetsStore(database: Database): DatasetsStore {
  const { orm, sqlite } = database;
  // The stat cache is on the hot path (one lookup per file, 10,000s per pin): its statements are
  // prepared once, on first use (not at creation, so a store that is not migrated yet can still
  // be handed around, e.g. to a readiness probe).
  let statements:
    | {
        lookup: BetterSqliteStatement<
          [string],
          { size: number; mtime_ns: string; inode: string; ctime_ns: string; sha256: string }
        >;
        under: BetterSqliteStatement<
          [string, string],
          { path: string; size: number; mtime_ns: string; inode: string; ctime_ns: string; sha256: string }
        >;
        upsertAll: (entries: { path: string; identity: FileIdentity; sha256: string }[]) => void;
      }
    | undefined;
  const prepared = () => {
    if (statements) return statements;
    const upsert = sqlite.prepare(
      'INSERT INTO datasets_stat_cache (path, size, mtime_ns, inode, ctime_ns, sha256) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode, ctime_ns = excluded.ctime_ns, sha256 = excluded.sha256',
    );
    statements = {
      lookup: sqlite.prepare<
        [string],
        { size: number; mtime_ns: string; inode: string; ctime_ns: string; sha256: string }
      >('SELECT size, mtime_ns, inode, ctime_ns, sha256 FROM datasets_stat_cache WHERE path = ?'),
      under: sqlite.prepare<
        [string, string],
        { path: string; size: number; mtime_ns: string; inode: string; ctime_ns: string; sha256: string }
      >(
        'SELECT path, size, mtime_ns, inode, ctime_ns, sha256 FROM datasets_stat_cache WHERE path >= ? AND path < ?',
      ),
      upsertAll: sqlite.transaction((entries: { path: string; identity: FileIdentity; sha256: string }[]) => {
        for (const entry of entries) {
          upsert.run(
            entry.path,
            entry.identity.size,
            entry.identity.mtimeNs,
            entry.identity.inode,
            entry.identity.ctimeNs,
            entry.sha256,
          );
        }
      }),
    };
    return statements;
  };
  return {
    async recordVersion(version) {
      const result = orm
        .insert(versionsTable)
        .values({ ...version, rows: version.rows ?? null })
        .onConflictDoNothing()
        .run();
      return result.changes > 0;
    },
    async listVersions(name) {
      const query = orm.select().from(versionsTable);
      return (name === undefined ? query : query.where(eq(versionsTable.name, name)))
        .orderBy(asc(versionsTable.name), asc(versionsTable.pinnedAt))
        .all()
        .map(({ rows, ...version }) => ({ ...version, ...(rows === null ? {} : { rows }) }));
    },
    cachedHash(path, identity) {
      const row = prepared().lookup.get(path);
      if (!row) return undefined;
      return sameIdentity(rowIdentity(row), identity) ? row.sha256 : undefined;
    },
    cachedHashesUnder(folder) {
      // Paths under `folder/` sort between `folder/` and `folder0` ('0' follows '/').
      const rows = prepared().under.all(`${folder}/`, `${folder}0`);
      return new Map(rows.map((row) => [row.path, { identity: rowIdentity(row), sha256: row.sha256 }]));
    },
    rememberHashes(entries) {
      prepared().upsertAll(entries);
    },
  };
}

function rowIdentity(row: { size: number; mtime_ns: string; inode: string; ctime_ns: string }): FileIdentity {
  return { size: row.size, mtimeNs: row.mtime_ns, inode: row.inode, ctimeNs: row.ctime_ns };
}
