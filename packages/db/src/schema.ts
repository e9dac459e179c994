import { sqliteCore } from './drizzle.ts';

const { sqliteTable, text } = sqliteCore;

/** Which migrations this store has applied, with a checksum so an edited migration is noticed. */
export const migrationsTable = sqliteTable('_airlock_migrations', {
  id: text('id').primaryKey(),
  checksum: text('checksum').notNull(),
  appliedAt: text('applied_at').notNull(),
});

/** Facts about the store itself (its id, the Airlock that created it). */
export const metaTable = sqliteTable('airlock_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
