import type { Database } from './database.ts';
import { drizzleOrm } from './drizzle.ts';
import type { Migration } from './migrations.ts';
import { metaTable } from './schema.ts';

const { eq } = drizzleOrm;

/** The store's own tables, applied before any package's. */
export const storeMigrations: readonly Migration[] = [
  {
    id: 'db/0001_meta',
    sql: `CREATE TABLE airlock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO airlock_meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));
INSERT INTO airlock_meta (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`,
  },
];

/** The store's id and creation time, once `db/0001_meta` is applied. */
export function readStoreInfo(database: Database): { storeId: string; createdAt: string } | undefined {
  const read = (key: string) =>
    database.orm.select().from(metaTable).where(eq(metaTable.key, key)).get()?.value;
  const storeId = read('store_id');
  const createdAt = read('created_at');
  return storeId && createdAt ? { storeId, createdAt } : undefined;
}
