/** Which deploy state: one per environment within a namespace (a team, a cluster namespace, a feature). */
export interface StateKey {
  namespace: string;
  environment: string;
}

/** The stored text and the token a conditional write must present to replace it. */
export interface StoredState {
  text: string;
  /** Opaque: the SHA-256 of the bytes (local file) or the ETag (S3). */
  version: string;
  /** When the store last changed it (file mtime, S3 LastModified), for messages. */
  modifiedAt?: Date;
}

/**
 * Where `deploy_state.json` lives. The store knows nothing of the format: it reads text and
 * replaces it only if nobody else did in between (compare-and-swap), so the state machine above it
 * can retry on fresh state. Two implementations: a local file (lock + compare-and-swap) and an S3
 * object (conditional requests).
 */
export interface StateStore {
  /** Where a key's state lives, for messages: a file path or `s3://bucket/key`. */
  locate(key: StateKey): string;
  /** The current text and its version, or undefined when there is no state yet. */
  read(key: StateKey): Promise<StoredState | undefined>;
  /**
   * Replaces the state with `text` if its version is still `expectedVersion` (undefined: only if
   * there is no state yet), atomically: readers and a crash see the old text or the new, never a
   * part. Returns the new version. Throws AirlockError CONFLICT (context `{ location }`) when
   * another writer got there first; the caller re-reads and decides again.
   */
  write(key: StateKey, text: string, expectedVersion: string | undefined): Promise<string>;
}
