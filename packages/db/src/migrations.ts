import { createHash } from 'node:crypto';
import { AirlockError } from '@airlock/core';
import type { Database } from './database.ts';
import { migrationsTable } from './schema.ts';

/**
 * One step of a package's schema. Packages own their tables: each exports its migrations (ids
 * prefixed with the package, e.g. `registry/0001_models`) and the apps apply all of them in order.
 * A migration is never edited once released; a change is a new migration.
 */
export interface Migration {
  id: string;
  sql: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied in this store but unknown to this Airlock (the store was migrated by a newer version). */
  unknown: string[];
}

const migrationsDdl = `CREATE TABLE IF NOT EXISTS _airlock_migrations (
  id TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

function checksumOf(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}

function checkIds(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const migration of migrations) {
    if (seen.has(migration.id)) {
      throw new Error(`migration id "${migration.id}" is used twice`);
    }
    seen.add(migration.id);
  }
}

function appliedChecksums(database: Database): Map<string, string> {
  database.sqlite.exec(migrationsDdl);
  const rows = database.orm.select().from(migrationsTable).all();
  return new Map(rows.map((row) => [row.id, row.checksum]));
}

/** What is applied, what is pending, and what this store has that this Airlock does not know. */
export function migrationStatus(database: Database, migrations: readonly Migration[]): MigrationStatus {
  checkIds(migrations);
  const applied = appliedChecksums(database);
  const known = new Set(migrations.map((migration) => migration.id));
  return {
    applied: migrations.filter((migration) => applied.has(migration.id)).map((migration) => migration.id),
    pending: migrations.filter((migration) => !applied.has(migration.id)).map((migration) => migration.id),
    unknown: [...applied.keys()].filter((id) => !known.has(id)),
  };
}

/**
 * Applies every pending migration, each in its own IMMEDIATE transaction (so two processes
 * starting at once serialize, and the second sees the first's work instead of applying it twice).
 * A migration that fails leaves the store as it was before that migration. A migration whose text
 * changed after it was applied is refused: the store and the code no longer agree on the schema.
 */
export function applyMigrations(
  database: Database,
  migrations: readonly Migration[],
  now: () => Date = () => new Date(),
): string[] {
  checkIds(migrations);
  const appliedNow: string[] = [];
  for (const migration of migrations) {
    const checksum = checksumOf(migration);
    const apply = database.sqlite.transaction(() => {
      const existing = appliedChecksums(database).get(migration.id);
      if (existing === checksum) return;
      if (existing !== undefined) {
        throw new AirlockError(
          'PRECONDITION_FAILED',
          `migration ${migration.id} was changed after it was applied to ${database.path}; migrations are never edited, add a new one`,
          { context: { migration: migration.id } },
        );
      }
      database.sqlite.exec(migration.sql);
      database.orm
        .insert(migrationsTable)
        .values({ id: migration.id, checksum, appliedAt: now().toISOString() })
        .run();
      appliedNow.push(migration.id);
    });
    apply.immediate();
  }
  return appliedNow;
}
