import type { Migration } from '@airlock/db';

export const rolloutMigrations: readonly Migration[] = [
  {
    id: 'rollout/0001_predictions',
    sql: `
CREATE TABLE rollout_predictions (
  feature TEXT NOT NULL,
  request_id TEXT NOT NULL,
  release TEXT NOT NULL,
  at TEXT NOT NULL,
  prediction_json TEXT NOT NULL,
  PRIMARY KEY (feature, request_id)
);
CREATE INDEX rollout_predictions_window ON rollout_predictions (feature, at);`,
  },
];
