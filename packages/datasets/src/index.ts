/** Label drift: the true Jensen–Shannon distance. */

export type { TransferProgress } from './datasets.ts';
/** The datasets service: pin, status, the eval-facing check, checkout, cache verify and gc. */
export {
  createDatasets,
  type DatasetState,
  type DatasetStatus,
  type Datasets,
  describeChanges,
  type FolderChanges,
  type HashResult,
} from './datasets.ts';
/** Hashing files and folders. */
export { hashFile } from './hashing.ts';
export { jensenShannonDistance } from './js-distance.ts';
/** The local content-addressed cache. */
export { createLocalCache, type LocalCache } from './local-cache.ts';
export { datasetsMigrations } from './migrations.ts';
/** Pin files (`<data>.pin.yaml`). */
export { type PinFile, pinFileSchema, pinPathFor, readPinFile } from './pin-file.ts';
/** The shared remote: the interface and its S3 implementation. */
export type { RemoteStore } from './remote.ts';
/** Reading data rows (JSONL, CSV) with their line numbers. */
export { formatOf, parseCsv, parseJsonl, parseRows, type Row } from './rows.ts';
export { createS3Remote, type S3RemoteOptions } from './s3-remote.ts';
/** Versions and the stat cache in the store, and their migrations. */
export { createSqliteDatasetsStore, type DatasetsStore, type DatasetVersion } from './store.ts';
export { listTree, type ManifestEntry, manifestText, parseManifest } from './tree.ts';
/** Row validation: fields, types, lengths, duplicates, PII, drift. */
export { labelDistribution, type ValidationReport, type Violation, validateRows } from './validation.ts';
export {
  type FieldRule,
  type RowSchema,
  rowSchemaFileSchema,
  rowSchemaFromJsonSchema,
} from './validation-schema.ts';
