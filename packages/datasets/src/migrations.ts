import type { Migration } from '@airlock/db';

export const datasetsMigrations: readonly Migration[] = [
  {
    id: 'datasets/0001_versions_stat_cache',
    sql: `
CREATE TABLE datasets_versions (
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  files INTEGER NOT NULL,
  rows INTEGER,
  format TEXT NOT NULL,
  path TEXT NOT NULL,
  pinned_at TEXT NOT NULL,
  pinned_by TEXT NOT NULL,
  PRIMARY KEY (name, sha256)
);
CREATE TABLE datasets_stat_cache (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns TEXT NOT NULL,
  inode TEXT NOT NULL,
  sha256 TEXT NOT NULL
);`,
  },
  {
    // The stat cache also keys on ctime; rows from before have none, so their files are read once more.
    id: 'datasets/0002_stat_cache_ctime',
    sql: `ALTER TABLE datasets_stat_cache ADD COLUMN ctime_ns TEXT NOT NULL DEFAULT '';`,
  },
];
