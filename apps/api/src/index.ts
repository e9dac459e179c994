/** The hono app factory: no environment, no I/O; everything arrives in its deps. */
export { type AppDeps, createApp } from './app.ts';
/** The error body every failing response carries. */
export { type ErrorBody, errorBodySchema } from './error-body.ts';
/** The readiness report /readyz serves. */
export type { Readiness } from './routes/health.ts';
/** Opening the project store with every package's migrations, and its readiness. */
export { allMigrations, openProjectStore, storeReadiness } from './store.ts';
