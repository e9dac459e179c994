/** The closed set of error codes, the error type every package throws for expected failures, and helpers. */

/** Canonical JSON and SHA-256 digests: content identity for prompts, releases, audit entries. */
export { canonicalJson, digestOf, sha256Hex } from './canonical-json.ts';
/** Durations as people write them (`30s`, `1h30m`), for config keys and flags. */
export { formatDuration, parseDuration } from './duration.ts';
/** Edit distance, for suggesting what a typo meant. */
export { editDistance } from './edit-distance.ts';
/** The two tables that translate error codes: CLI exit codes and HTTP statuses. */
export { type ExitCode, exitCodeFor, exitCodes, httpStatusFor } from './error-tables.ts';
export {
  AirlockError,
  type AirlockErrorOptions,
  type ErrorCode,
  errorCodes,
  formatSourceIssue,
  isAirlockError,
  type SourceIssue,
} from './errors.ts';
/** Reading user YAML files, creating folders and writing files atomically. */
export {
  ensureDirectory,
  readYamlFile,
  type WriteFileAtomicOptions,
  writeFileAtomic,
  writeFilesAtomic,
} from './files.ts';
/** Typed ids: SHA-256 digests, request ids, time-sortable ids. */
export {
  type Brand,
  isSha256,
  newId,
  newRequestId,
  parseRequestId,
  parseSha256,
  type RequestId,
  type Sha256,
} from './ids.ts';
/** Container image references, and the rule that a deployed one is a digest or a commit-SHA tag. */
export { checkImageReference, type ImageReference, parseImageReference } from './image-reference.ts';
/** JSON Lines: one object per line, each row located or its problem named. */
export { parseJsonl, type Row } from './json-lines.ts';
/** JSON documents, a syntax error located at file:line:col. */
export { parseJsonText } from './json-text.ts';
/** The logger interface packages write to, and the JSON / pretty implementation apps inject. */
export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from './logger.ts';
/** Personal data and secret detection (eval data must carry none). */
export { findPii, type PiiFinding, passesLuhn } from './pii.ts';
/** Parsing YAML text with a zod schema into `path:line:col` issues. */
export { type ParseYamlOptions, parseYamlDocument, yamlPositionOf } from './yaml-document.ts';
