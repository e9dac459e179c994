import { describe, expect, it } from 'vitest';
import { parseCsv, parseJsonl } from './rows.ts';
import { validateRows } from './validation.ts';
import { rowSchemaFileSchema, rowSchemaFromJsonSchema } from './validation-schema.ts';

const schema = rowSchemaFileSchema.parse({
  fields: {
    text: { type: 'string' },
    label: { type: 'string', values: ['positive', 'negative', 'neutral'] },
    source: { type: 'string' },
    timestamp: { type: 'string' },
  },
  label_field: 'label',
});

const row = (text: string, label: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ text, label, source: 'web', timestamp: '2026-01-01', ...extra });

describe('validateRows', () => {
  it('reports a missing field, an over-long text, a duplicate and PII, each with its line', () => {
    const text = [
      row('great product', 'positive'),
      JSON.stringify({ text: 'no label', source: 'web', timestamp: 't' }),
      row('x'.repeat(10_001), 'negative'),
      row('great product', 'positive'),
      row('write to jane.doe@example.com', 'neutral'),
      '{broken',
      row('meh', 'sideways'),
    ].join('\n');
    const report = validateRows(parseJsonl(text), schema);
    expect(report.ok).toBe(false);
    expect(report.violations.map((violation) => [violation.line, violation.kind, violation.message])).toEqual(
      [
        [2, 'missing-field', 'missing field "label"'],
        [3, 'too-long', '"text" is 10001 characters, over the limit of 10000'],
        [4, 'duplicate', 'duplicate of line 1'],
        [5, 'pii', 'email (ja****************om)'],
        [6, 'unreadable', expect.stringMatching(/^not JSON: /)],
        [7, 'not-allowed', '"label" is "sideways", expected one of "positive", "negative", "neutral"'],
      ],
    );
  });

  it('with extra_fields: error, names a misspelt (unknown) field at its line; by default allows it', () => {
    const text = [row('fine', 'positive'), row('typo', 'negative', { lable: 'x' })].join('\n');
    expect(validateRows(parseJsonl(text), schema).ok).toBe(true);
    const strict = validateRows(parseJsonl(text), { ...schema, extra_fields: 'error' });
    expect(strict.violations).toEqual([
      {
        line: 2,
        kind: 'unknown-field',
        message: 'unknown field "lable" (the schema has: text, label, source, timestamp)',
      },
    ]);
    const fromJsonSchema = rowSchemaFromJsonSchema({
      properties: { text: { type: 'string' } },
      additionalProperties: false,
    });
    expect(fromJsonSchema.extra_fields).toBe('error');
  });

  it('flags a shifted label distribution by Jensen–Shannon distance against the reference', () => {
    const lines = (counts: Record<string, number>) =>
      Object.entries(counts).flatMap(([label, count]) =>
        Array.from({ length: count }, (_, index) => row(`${label} ${index}`, label)),
      );
    const reference = parseJsonl(lines({ positive: 40, negative: 40, neutral: 20 }).join('\n'));
    const shifted = validateRows(
      parseJsonl(lines({ positive: 60, negative: 30, neutral: 10 }).join('\n')),
      schema,
      { reference },
    );
    expect(shifted.drift?.distance).toBeCloseTo(0.148817, 6);
    expect(shifted.drift?.ok).toBe(false);
    expect(shifted.ok).toBe(false);
    const same = validateRows(
      parseJsonl(lines({ positive: 4, negative: 4, neutral: 2 }).join('\n')),
      schema,
      { reference },
    );
    expect(same.drift).toMatchObject({ distance: 0, ok: true });
    expect(same.ok).toBe(true);
  });

  it('reads CSV with quotes and judges types by spelling', () => {
    const csv = 'text,label,score\n"hello, ""world""",positive,3\n"two\nlines",negative,x\n';
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(2);
    const report = validateRows(
      rows,
      rowSchemaFileSchema.parse({ fields: { text: {}, label: {}, score: { type: 'integer' } } }),
      { fromCsv: true },
    );
    expect(report.violations).toEqual([
      { line: 3, kind: 'wrong-type', message: '"score" should be integer, is string' },
    ]);
  });

  it('accepts a JSON Schema as the row schema', () => {
    const fromJson = rowSchemaFromJsonSchema({
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', maxLength: 5 }, label: { enum: ['a', 'b'] } },
      'x-label-field': 'label',
    });
    const report = validateRows(parseJsonl('{"text":"too long","label":"c"}'), fromJson);
    expect(report.violations.map((violation) => violation.kind)).toEqual(['not-allowed', 'too-long']);
  });
});
