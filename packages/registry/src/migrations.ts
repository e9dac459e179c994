import type { Migration } from '@airlock/db';

/** The registry's tables (see schema.ts for the drizzle view of the same columns). */
export const registryMigrations: readonly Migration[] = [
  {
    id: 'registry/0001_models_prompts_audit',
    sql: `
CREATE TABLE registry_models (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  name TEXT NOT NULL,
  family TEXT NOT NULL,
  description TEXT,
  context_window INTEGER,
  published_by TEXT NOT NULL,
  published_at TEXT NOT NULL,
  deprecated_at TEXT,
  deprecated_by TEXT,
  end_of_life TEXT,
  deprecation_reason TEXT,
  retired_at TEXT,
  retired_by TEXT,
  retirement_reason TEXT
);
CREATE INDEX registry_models_family ON registry_models (provider, family);

CREATE TABLE registry_approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('model', 'prompt')),
  subject TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('low', 'medium', 'high')),
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  reason TEXT NOT NULL,
  eval_run_id TEXT,
  approved_at TEXT NOT NULL
);
CREATE UNIQUE INDEX registry_approvals_once ON registry_approvals (subject_kind, subject, tier, actor);

CREATE TABLE registry_prompt_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version > 0),
  sha256 TEXT NOT NULL,
  body TEXT NOT NULL,
  published_by TEXT NOT NULL,
  published_at TEXT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX registry_prompt_versions_content ON registry_prompt_versions (name, sha256);

CREATE TABLE registry_prompt_labels (
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  version INTEGER NOT NULL,
  moved_by TEXT NOT NULL,
  moved_at TEXT NOT NULL,
  PRIMARY KEY (name, label),
  FOREIGN KEY (name, version) REFERENCES registry_prompt_versions (name, version)
);

CREATE TABLE registry_label_moves (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  from_version INTEGER,
  to_version INTEGER NOT NULL,
  moved_by TEXT NOT NULL,
  moved_at TEXT NOT NULL
);
CREATE INDEX registry_label_moves_by_label ON registry_label_moves (name, label, moved_at);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);`,
  },
];
