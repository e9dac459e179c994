/** The S3-protocol test server (s3rver in a child process) and the S3Client settings that work with it. */

/** Controlling an OpenAI test server started in another process. */
export { connectOpenAIControl } from './openai/control-client.ts';
/** The OpenAI-compatible test server: scripted replies, real token counts, injectable faults. */
export {
  type FaultRuleInput,
  type MatcherInput,
  type OpenAIServerControl,
  type OpenAITestServer,
  type ReplyRuleInput,
  type StartOpenAIServerOptions,
  startOpenAIServer,
} from './openai/openai-server.ts';
/** The data forms of rules, faults and recorded requests. */
export type { Fault, FaultRule, RecordedRequest, ReplyRule, RequestMatcher } from './openai/scenario.ts';
/** Token counting as the OpenAI test server does it (o200k_base). */
export { countPromptTokens, countTextTokens } from './openai/tokens.ts';
export {
  type S3ClientSettings,
  type S3TestServer,
  type StartS3ServerOptions,
  s3rverCredentials,
  startS3Server,
} from './s3/s3-server.ts';
