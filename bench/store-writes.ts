// How much does drizzle cost over raw better-sqlite3 on the store's write path, built per call
// and prepared once? (Hot write paths in packages should prepare their statements.)
// Both sides insert the same rows into the same schema, in one transaction per batch, on a real
// WAL file with the store's pragmas; the raw prepared statement is the baseline.
// Run: pnpm --filter @airlock/bench store [rows]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProjectStore } from '@airlock/api/store';
import { drizzleOrm, sqliteCore } from '@airlock/db';

const { sql } = drizzleOrm;
const { sqliteTable, text } = sqliteCore;

const rows = Number(process.argv[2] ?? 50_000);
const batch = 1000;
const folder = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
const events = sqliteTable('bench_events', { id: text('id').primaryKey(), body: text('body').notNull() });
const ddl = 'CREATE TABLE bench_events (id TEXT PRIMARY KEY, body TEXT NOT NULL)';

function timeIt(name: string, write: (database: ReturnType<typeof openProjectStore>) => void): number {
  const database = openProjectStore(join(folder, `${name}.db`));
  database.sqlite.exec(ddl);
  const started = performance.now();
  write(database);
  const seconds = (performance.now() - started) / 1000;
  database.close();
  return seconds;
}

const body = JSON.stringify({
  actor: 'release-manager@example.com',
  reason: 'approved after eval run',
  n: 0,
});

const raw = timeIt('raw', (database) => {
  const insert = database.sqlite.prepare('INSERT INTO bench_events (id, body) VALUES (?, ?)');
  for (let start = 0; start < rows; start += batch) {
    database.sqlite.transaction(() => {
      for (let index = start; index < Math.min(rows, start + batch); index++) insert.run(`e${index}`, body);
    })();
  }
});

const orm = timeIt('drizzle', (database) => {
  for (let start = 0; start < rows; start += batch) {
    database.sqlite.transaction(() => {
      for (let index = start; index < Math.min(rows, start + batch); index++) {
        database.orm
          .insert(events)
          .values({ id: `e${index}`, body })
          .run();
      }
    })();
  }
});

const prepared = timeIt('drizzle-prepared', (database) => {
  const insert = database.orm
    .insert(events)
    .values({ id: sql.placeholder('id'), body: sql.placeholder('body') })
    .prepare();
  for (let start = 0; start < rows; start += batch) {
    database.sqlite.transaction(() => {
      for (let index = start; index < Math.min(rows, start + batch); index++)
        insert.run({ id: `e${index}`, body });
    })();
  }
});

rmSync(folder, { recursive: true, force: true });
const rate = (seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');
console.log(`rows: ${rows.toLocaleString('en-US')} in transactions of ${batch}`);
console.log(`baseline  better-sqlite3 prepared statement: ${raw.toFixed(3)} s (${rate(raw)} rows/s)`);
console.log(`airlock   drizzle insert:                     ${orm.toFixed(3)} s (${rate(orm)} rows/s)`);
console.log(
  `airlock   drizzle prepared insert:            ${prepared.toFixed(3)} s (${rate(prepared)} rows/s)`,
);
console.log(
  `ratio drizzle/raw: ${(orm / raw).toFixed(2)}x; prepared drizzle/raw: ${(prepared / raw).toFixed(2)}x`,
);
