import { z } from 'zod';

/** The API's environment, parsed once at start-up (only main.ts reads process.env). */
export const apiEnvSchema = z.object({
  AIRLOCK_CONFIG: z.string().optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/** A variable the API cannot start with (a person's mistake, not a bug). */
export class EnvError extends Error {
  override readonly name = 'EnvError';
}

export type ApiEnv = z.infer<typeof apiEnvSchema>;

export function parseApiEnv(env: Record<string, string | undefined>): ApiEnv {
  const result = apiEnvSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new EnvError(`invalid environment: ${problems.join('; ')}`);
}
