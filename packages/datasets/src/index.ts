/** Label drift: the true Jensen–Shannon distance. */
export { jensenShannonDistance } from './js-distance.ts';
/** Reading data rows (JSONL, CSV) with their line numbers. */
export { formatOf, parseCsv, parseJsonl, parseRows, type Row } from './rows.ts';
/** Row validation: fields, types, lengths, duplicates, PII, drift. */
export { labelDistribution, type ValidationReport, type Violation, validateRows } from './validation.ts';
export {
  type FieldRule,
  type RowSchema,
  rowSchemaFileSchema,
  rowSchemaFromJsonSchema,
} from './validation-schema.ts';
