import { canonicalJson, findPii } from '@airlock/core';
import { jensenShannonDistance } from './js-distance.ts';
import type { Row } from './rows.ts';
import type { FieldRule, RowSchema } from './validation-schema.ts';

export interface Violation {
  line: number;
  column?: number;
  kind:
    | 'unreadable'
    | 'missing-field'
    | 'unknown-field'
    | 'wrong-type'
    | 'not-allowed'
    | 'too-long'
    | 'duplicate'
    | 'pii';
  message: string;
}

export interface ValidationReport {
  ok: boolean;
  rows: number;
  violations: Violation[];
  labelDistribution?: Record<string, number>;
  /** Against the reference's label distribution, when one was given. */
  drift?: { distance: number; limit: number; reference: Record<string, number>; ok: boolean };
}

function typeOf(value: unknown): FieldRule['type'] {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as FieldRule['type'];
}

function matchesType(value: unknown, expected: FieldRule['type'], fromCsv: boolean): boolean {
  if (fromCsv && typeof value === 'string') {
    // CSV carries text only: numbers and booleans are judged by their spelling.
    if (expected === 'number') return value.trim() !== '' && Number.isFinite(Number(value));
    if (expected === 'integer') return /^-?\d+$/.test(value.trim());
    if (expected === 'boolean') return value === 'true' || value === 'false';
  }
  const actual = typeOf(value);
  return actual === expected || (expected === 'number' && actual === 'integer');
}

/** The label counts of readable rows (rows without the label field are not counted). */
export function labelDistribution(rows: readonly Row[], labelField: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) {
    if ('error' in row) continue;
    const label = row.value[labelField];
    if (label === undefined || label === null) continue;
    const key = String(label);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export interface ValidateOptions {
  fromCsv?: boolean;
  /** Rows of the reference version, for label drift. */
  reference?: readonly Row[];
}

/**
 * Seed 003's checks, every violation with its line: required fields and types, allowed values,
 * text length, duplicate rows, personal data, and label drift against a reference by
 * Jensen–Shannon distance. Invalid when any violation or drift over the limit.
 */
export function validateRows(
  rows: readonly Row[],
  schema: RowSchema,
  options: ValidateOptions = {},
): ValidationReport {
  const violations: Violation[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    if ('error' in row) {
      violations.push({ line: row.line, kind: 'unreadable', message: row.error });
      continue;
    }
    for (const [name, rule] of Object.entries(schema.fields)) {
      const value = row.value[name];
      if (value === undefined || value === null || value === '') {
        if (rule.required)
          violations.push({ line: row.line, kind: 'missing-field', message: `missing field "${name}"` });
        continue;
      }
      if (!matchesType(value, rule.type, options.fromCsv ?? false)) {
        violations.push({
          line: row.line,
          kind: 'wrong-type',
          message: `"${name}" should be ${rule.type}, is ${typeOf(value)}`,
        });
        continue;
      }
      if (rule.values && !rule.values.some((allowed) => String(allowed) === String(value))) {
        violations.push({
          line: row.line,
          kind: 'not-allowed',
          message: `"${name}" is ${JSON.stringify(value)}, expected one of ${rule.values.map((allowed) => JSON.stringify(allowed)).join(', ')}`,
        });
      }
    }
    if (schema.extra_fields === 'error') {
      // A misspelt field is an unknown one, not a silently missing optional one.
      for (const name of Object.keys(row.value)) {
        if (name in schema.fields) continue;
        violations.push({
          line: row.line,
          kind: 'unknown-field',
          message: `unknown field "${name}" (the schema has: ${Object.keys(schema.fields).join(', ')})`,
        });
      }
    }
    for (const [name, value] of Object.entries(row.value)) {
      if (typeof value !== 'string') continue;
      const limit = schema.fields[name]?.max_length ?? schema.max_text_length;
      if (value.length > limit) {
        violations.push({
          line: row.line,
          kind: 'too-long',
          message: `"${name}" is ${value.length} characters, over the limit of ${limit}`,
        });
      }
    }
    const key = canonicalJson(row.value);
    const first = seen.get(key);
    if (first !== undefined && !schema.allow_duplicates) {
      violations.push({ line: row.line, kind: 'duplicate', message: `duplicate of line ${first}` });
    } else if (first === undefined) seen.set(key, row.line);
    if (!schema.allow_pii) {
      for (const finding of findPii(row.raw)) {
        violations.push({
          line: row.line,
          column: finding.column,
          kind: 'pii',
          message: `${finding.kind} (${finding.masked})`,
        });
      }
    }
  }

  const report: ValidationReport = { ok: violations.length === 0, rows: rows.length, violations };
  if (schema.label_field !== undefined) {
    report.labelDistribution = labelDistribution(rows, schema.label_field);
    if (options.reference) {
      const reference = labelDistribution(options.reference, schema.label_field);
      const distance = jensenShannonDistance(report.labelDistribution, reference);
      report.drift = { distance, limit: schema.max_drift, reference, ok: distance <= schema.max_drift };
      report.ok &&= report.drift.ok;
    }
  }
  return report;
}
