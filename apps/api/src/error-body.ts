import { type ErrorCode, errorCodes, type SourceIssue } from '@airlock/core';
import { z } from '@hono/zod-openapi';

/** The one error body every failing response has. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes).openapi({ example: 'NOT_FOUND' }),
      message: z.string().openapi({ example: 'no route GET /v1/nothing' }),
      requestId: z.string().openapi({ example: 'req_01JD7Q3M5X2Y8Z9A0B1C2D3E4F' }),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: 'One entry per problem in the request, for INVALID_INPUT.' }),
    }),
  })
  .openapi('ErrorBody');

export type ErrorBody = z.infer<typeof errorBodySchema>;

export interface ErrorBodyInput {
  code: ErrorCode;
  message: string;
  requestId: string;
  issues?: { path: string; message: string }[];
}

export function errorBody(input: ErrorBodyInput): ErrorBody {
  return {
    error: {
      code: input.code,
      message: input.message,
      requestId: input.requestId,
      ...(input.issues && input.issues.length > 0 ? { issues: input.issues } : {}),
    },
  };
}

/** A located issue from a file becomes a body issue whose path is `file:line:col`. */
export function fromSourceIssue(issue: SourceIssue): { path: string; message: string } {
  return { path: `${issue.file}:${issue.line}:${issue.column}`, message: issue.message };
}
