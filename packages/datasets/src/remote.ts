import type { Readable } from 'node:stream';

/**
 * Where dataset objects are shared: content-addressed like the cache (`sha256/ab/cdef…`), written
 * once and never overwritten. The S3 implementation is in s3-remote.ts; tests use the real one
 * against a local S3-protocol server.
 */
export interface RemoteStore {
  /** `s3://bucket/prefix`, for messages. */
  readonly location: string;
  /** Which of these objects the remote does not have. */
  missing(objects: readonly string[]): Promise<string[]>;
  /** Uploads an object; the SHA-256 goes with it so a server that checks can refuse bad bytes. */
  upload(sha256: string, size: number, open: () => Readable | Uint8Array): Promise<void>;
  download(sha256: string): Promise<Readable>;
  list(): Promise<string[]>;
}
