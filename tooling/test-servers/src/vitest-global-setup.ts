// Vitest global setup that starts both test servers once for a package's whole run. Use it with
// `globalSetup: ['@airlock/test-servers/vitest-global-setup']`; tests read the addresses with
// `inject('s3')` / `inject('openai')` and control the OpenAI server with `connectOpenAIControl`.
import type { TestProject } from 'vitest/node';
import { startOpenAIServer } from './openai/openai-server.ts';
import { type S3ClientSettings, startS3Server } from './s3/s3-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: { endpoint: string; bucket: string; clientSettings: S3ClientSettings };
    openai: { baseURL: string; origin: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [s3, openai] = await Promise.all([startS3Server(), startOpenAIServer()]);
  project.provide('s3', { endpoint: s3.endpoint, bucket: s3.bucket, clientSettings: s3.clientSettings });
  project.provide('openai', { baseURL: openai.baseURL, origin: openai.origin });
  return async () => {
    await Promise.all([s3.stop(), openai.stop()]);
  };
}
