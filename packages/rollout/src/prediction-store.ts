import type { Database } from '@airlock/db';
import type { Statement } from 'better-sqlite3';
import type { Prediction } from './predictions.ts';

/** The prediction log: written in batches by the API, read as a time window by `rollout metrics`. */
export interface PredictionStore {
  /**
   * Appends a batch in one transaction. A request id already logged for the feature is skipped, so
   * a client retrying a batch never counts a prediction twice — except that user feedback, which
   * arrives later, is added to a logged prediction that has none. Returns how many were new.
   */
  append(predictions: readonly Prediction[]): { inserted: number; duplicates: number; feedbackAdded: number };
  /** A feature's predictions in [from, to), oldest first, streamed (memory stays flat). */
  window(feature: string, from: Date, to: Date): Iterable<Prediction>;
}

/**
 * The log in the project's SQLite store. Raw prepared statements, as for eval outcomes: ingest is
 * thousands of rows a batch. Filter columns are real columns; the rest is one JSON document.
 */
export function createSqlitePredictionStore(database: Database): PredictionStore {
  const { sqlite } = database;
  // Prepared on first use: the API builds its services before a readiness probe may report the
  // store as not yet migrated, and a missing table must not fail that.
  let prepared:
    | {
        insert: Statement<[string, string, string, string, string]>;
        addFeedback: Statement<[string, string, string]>;
        select: Statement<[string, string, string], { prediction_json: string }>;
      }
    | undefined;
  const statements = () => {
    prepared ??= {
      insert: sqlite.prepare(
        'INSERT OR IGNORE INTO rollout_predictions (feature, request_id, release, at, prediction_json) VALUES (?, ?, ?, ?, ?)',
      ),
      addFeedback: sqlite.prepare(
        "UPDATE rollout_predictions SET prediction_json = json_set(prediction_json, '$.feedback', ?) WHERE feature = ? AND request_id = ? AND json_extract(prediction_json, '$.feedback') IS NULL",
      ),
      select: sqlite.prepare(
        'SELECT prediction_json FROM rollout_predictions WHERE feature = ? AND at >= ? AND at < ? ORDER BY at, request_id',
      ),
    };
    return prepared;
  };
  const appendAll = sqlite.transaction((predictions: readonly Prediction[]) => {
    const { insert, addFeedback } = statements();
    let inserted = 0;
    let feedbackAdded = 0;
    for (const prediction of predictions) {
      const added = insert.run(
        prediction.feature,
        prediction.requestId,
        prediction.release,
        prediction.at,
        JSON.stringify(prediction),
      ).changes;
      inserted += added;
      if (added === 0 && prediction.feedback !== undefined) {
        feedbackAdded += addFeedback.run(
          prediction.feedback,
          prediction.feature,
          prediction.requestId,
        ).changes;
      }
    }
    return { inserted, feedbackAdded };
  });
  return {
    append(predictions) {
      const { inserted, feedbackAdded } = appendAll.immediate(predictions);
      return { inserted, duplicates: predictions.length - inserted, feedbackAdded };
    },
    *window(feature, from, to) {
      for (const row of statements().select.iterate(feature, from.toISOString(), to.toISOString())) {
        yield JSON.parse(row.prediction_json) as Prediction;
      }
    },
  };
}
