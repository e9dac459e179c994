import type { Database } from '@airlock/db';
import type { Statement } from 'better-sqlite3';
import type { ResponseCache } from './runner.ts';
import type { Completion, EvalRun, StoredOutcome } from './types.ts';

export interface RunFilter {
  feature?: string;
  /** Newest first; default 50. */
  limit?: number;
}

/** Eval runs and their per-case outcomes, kept so later runs can be compared with them. */
export interface EvalRunStore {
  /** The run and all its outcomes, in one transaction. */
  saveRun(run: EvalRun, outcomes: readonly StoredOutcome[]): void;
  getRun(id: string): EvalRun | undefined;
  outcomes(id: string): StoredOutcome[];
  listRuns(filter?: RunFilter): EvalRun[];
}

interface OutcomeRow {
  case_id: string;
  pass_fraction: number;
  weight: number;
  errors: number;
  tags_json: string;
  detail: string | null;
}

/** Runs in the project's SQLite store (raw prepared statements: a run writes thousands of outcome rows). */
export function createSqliteEvalRunStore(database: Database): EvalRunStore {
  const { sqlite } = database;
  let statements:
    | {
        insertRun: Statement<[string, string | null, string, string, string, string, string]>;
        insertOutcome: Statement<[string, string, number, number, number, string, string | null]>;
        getRun: Statement<[string], { run_json: string }>;
        outcomes: Statement<[string], OutcomeRow>;
        list: Statement<[number], { run_json: string }>;
        listFeature: Statement<[string, number], { run_json: string }>;
      }
    | undefined;
  const prepared = () => {
    statements ??= {
      insertRun: sqlite.prepare(
        'INSERT INTO evals_runs (id, feature, suite_name, suite_sha256, model, started_at, run_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertOutcome: sqlite.prepare(
        'INSERT INTO evals_outcomes (run_id, case_id, pass_fraction, weight, errors, tags_json, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      getRun: sqlite.prepare('SELECT run_json FROM evals_runs WHERE id = ?'),
      outcomes: sqlite.prepare(
        'SELECT case_id, pass_fraction, weight, errors, tags_json, detail FROM evals_outcomes WHERE run_id = ? ORDER BY case_id',
      ),
      list: sqlite.prepare('SELECT run_json FROM evals_runs ORDER BY started_at DESC, id DESC LIMIT ?'),
      listFeature: sqlite.prepare(
        'SELECT run_json FROM evals_runs WHERE feature = ? ORDER BY started_at DESC, id DESC LIMIT ?',
      ),
    };
    return statements;
  };
  const save = sqlite.transaction((run: EvalRun, outcomes: readonly StoredOutcome[]) => {
    const { insertRun, insertOutcome } = prepared();
    insertRun.run(
      run.id,
      run.feature ?? null,
      run.suite.name,
      run.suite.sha256,
      run.model,
      run.startedAt,
      JSON.stringify(run),
    );
    for (const outcome of outcomes) {
      insertOutcome.run(
        run.id,
        outcome.caseId,
        outcome.passFraction,
        outcome.weight,
        outcome.errors,
        JSON.stringify(outcome.tags),
        outcome.detail ?? null,
      );
    }
  });
  return {
    saveRun(run, outcomes) {
      save(run, outcomes);
    },
    getRun(id) {
      const row = prepared().getRun.get(id);
      return row ? (JSON.parse(row.run_json) as EvalRun) : undefined;
    },
    outcomes(id) {
      return prepared()
        .outcomes.all(id)
        .map((row) => ({
          caseId: row.case_id,
          passFraction: row.pass_fraction,
          weight: row.weight,
          errors: row.errors,
          tags: JSON.parse(row.tags_json) as string[],
          ...(row.detail === null ? {} : { detail: row.detail }),
        }));
    },
    listRuns(filter = {}) {
      const limit = filter.limit ?? 50;
      const rows =
        filter.feature === undefined
          ? prepared().list.all(limit)
          : prepared().listFeature.all(filter.feature, limit);
      return rows.map((row) => JSON.parse(row.run_json) as EvalRun);
    },
  };
}

/** The response cache in the same store: one row per (model, messages, parameters) key. */
export function createSqliteResponseCache(database: Database): ResponseCache {
  const { sqlite } = database;
  let get: Statement<[string], { completion_json: string }> | undefined;
  let set: Statement<[string, string, string]> | undefined;
  return {
    get(key) {
      get ??= sqlite.prepare('SELECT completion_json FROM evals_response_cache WHERE key = ?');
      const row = get.get(key);
      return row ? (JSON.parse(row.completion_json) as Completion) : undefined;
    },
    set(key, completion) {
      set ??= sqlite.prepare(
        'INSERT INTO evals_response_cache (key, completion_json, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
      );
      set.run(key, JSON.stringify(completion), new Date().toISOString());
    },
  };
}
