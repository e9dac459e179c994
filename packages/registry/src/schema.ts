import { sqliteCore } from '@airlock/db';

const { index, integer, primaryKey, sqliteTable, text, uniqueIndex } = sqliteCore;

export const modelsTable = sqliteTable('registry_models', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  name: text('name').notNull(),
  family: text('family').notNull(),
  description: text('description'),
  contextWindow: integer('context_window'),
  publishedBy: text('published_by').notNull(),
  publishedAt: text('published_at').notNull(),
  deprecatedAt: text('deprecated_at'),
  deprecatedBy: text('deprecated_by'),
  endOfLife: text('end_of_life'),
  deprecationReason: text('deprecation_reason'),
  retiredAt: text('retired_at'),
  retiredBy: text('retired_by'),
  retirementReason: text('retirement_reason'),
});

export const approvalsTable = sqliteTable(
  'registry_approvals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subjectKind: text('subject_kind', { enum: ['model', 'prompt'] }).notNull(),
    subject: text('subject').notNull(),
    tier: text('tier').notNull(),
    actor: text('actor').notNull(),
    role: text('role').notNull(),
    reason: text('reason').notNull(),
    evalRunId: text('eval_run_id'),
    approvedAt: text('approved_at').notNull(),
  },
  (table) => [
    uniqueIndex('registry_approvals_once').on(table.subjectKind, table.subject, table.tier, table.actor),
  ],
);

export const promptVersionsTable = sqliteTable(
  'registry_prompt_versions',
  {
    name: text('name').notNull(),
    version: integer('version').notNull(),
    sha256: text('sha256').notNull(),
    body: text('body').notNull(),
    publishedBy: text('published_by').notNull(),
    publishedAt: text('published_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.name, table.version] }),
    uniqueIndex('registry_prompt_versions_content').on(table.name, table.sha256),
  ],
);

export const promptLabelsTable = sqliteTable(
  'registry_prompt_labels',
  {
    name: text('name').notNull(),
    label: text('label').notNull(),
    version: integer('version').notNull(),
    movedBy: text('moved_by').notNull(),
    movedAt: text('moved_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.name, table.label] })],
);

export const labelMovesTable = sqliteTable(
  'registry_label_moves',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    label: text('label').notNull(),
    fromVersion: integer('from_version'),
    toVersion: integer('to_version').notNull(),
    movedBy: text('moved_by').notNull(),
    movedAt: text('moved_at').notNull(),
  },
  (table) => [index('registry_label_moves_by_label').on(table.name, table.label, table.movedAt)],
);

export const auditTable = sqliteTable('audit_log', {
  seq: integer('seq').primaryKey(),
  at: text('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject').notNull(),
  details: text('details').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const tokensTable = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull().unique(),
  actor: text('actor').notNull(),
  role: text('role').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: text('created_at').notNull(),
  revokedAt: text('revoked_at'),
});
