import type { Migration } from '@airlock/db';

export const evalsMigrations: readonly Migration[] = [
  {
    id: 'evals/0001_runs_outcomes_cache',
    sql: `
CREATE TABLE evals_runs (
  id TEXT PRIMARY KEY,
  feature TEXT,
  suite_name TEXT NOT NULL,
  suite_sha256 TEXT NOT NULL,
  model TEXT NOT NULL,
  started_at TEXT NOT NULL,
  run_json TEXT NOT NULL
);
CREATE INDEX evals_runs_feature ON evals_runs (feature, started_at);
CREATE TABLE evals_outcomes (
  run_id TEXT NOT NULL REFERENCES evals_runs (id) ON DELETE CASCADE,
  case_id TEXT NOT NULL,
  pass_fraction REAL NOT NULL,
  weight REAL NOT NULL,
  errors INTEGER NOT NULL,
  tags_json TEXT NOT NULL,
  detail TEXT,
  PRIMARY KEY (run_id, case_id)
);
CREATE TABLE evals_response_cache (
  key TEXT PRIMARY KEY,
  completion_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);`,
  },
];
