import type { Migration } from '../src/index.ts';

// The recursive CTE makes the migration take long enough for racing processes to overlap.
export const raceMigrations: Migration[] = [
  { id: 'test/0001_items', sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);' },
  {
    id: 'test/0002_fill',
    sql: `INSERT INTO items (name)
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
      SELECT 'item-' || i FROM n;`,
  },
];
