import { z } from 'zod';

const fieldSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']).default('string'),
  required: z.boolean().default(true),
  max_length: z.number().int().positive().optional(),
  values: z
    .array(z.union([z.string(), z.number(), z.boolean()]))
    .min(1)
    .optional(),
});

/**
 * A dataset's row schema (YAML): the fields each row has, which one holds the label, and the
 * limits. Defaults follow seed 003: 10,000-character texts, drift limit 0.1.
 */
export const rowSchemaFileSchema = z.strictObject({
  fields: z.record(z.string(), fieldSchema),
  label_field: z.string().optional(),
  max_text_length: z.number().int().positive().default(10_000),
  max_drift: z.number().min(0).max(1).default(0.1),
  allow_duplicates: z.boolean().default(false),
  allow_pii: z.boolean().default(false),
  /** `error`: a field the schema does not list is a violation (catches misspelt keys). */
  extra_fields: z.enum(['allow', 'error']).default('allow'),
});

export type RowSchema = z.output<typeof rowSchemaFileSchema>;
export type FieldRule = z.output<typeof fieldSchema>;

/** The subset of JSON Schema a row schema can also be written in: an object's properties. */
const jsonSchemaSubset = z.looseObject({
  type: z.literal('object').optional(),
  required: z.array(z.string()).default([]),
  properties: z.record(
    z.string(),
    z.looseObject({
      type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']).optional(),
      maxLength: z.number().int().positive().optional(),
      enum: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    }),
  ),
  'x-label-field': z.string().optional(),
  additionalProperties: z.boolean().optional(),
});

/** Reads a JSON Schema object (properties, required, maxLength, enum) as a row schema. */
export function rowSchemaFromJsonSchema(value: unknown): RowSchema {
  const schema = jsonSchemaSubset.parse(value);
  const fields: Record<string, FieldRule> = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    fields[name] = {
      type: property.type ?? 'string',
      required: schema.required.includes(name),
      ...(property.maxLength === undefined ? {} : { max_length: property.maxLength }),
      ...(property.enum === undefined ? {} : { values: property.enum }),
    };
  }
  return rowSchemaFileSchema.parse({
    fields,
    ...(schema['x-label-field'] === undefined ? {} : { label_field: schema['x-label-field'] }),
    ...(schema.additionalProperties === false ? { extra_fields: 'error' } : {}),
  });
}
