// What the OpenAI-compatible test server answers, as plain JSON-able data, so a test can set it
// in-process or over HTTP from another process (`/__control/*`) and both mean the same thing.

/** A regular expression as data: `{ pattern, flags }` (a RegExp is converted on the way in). */
export interface PatternData {
  pattern: string;
  flags?: string;
}

/** Which requests a rule or fault applies to; every given condition must hold. */
export interface RequestMatcher {
  /** Tested against the last user message (chat) or each input (embeddings). */
  lastUserMessage?: PatternData;
  /** Exact model id. */
  model?: string;
}

/** "Reply X when the last user message matches /re/". `$1`…`$9` in the reply take the match's groups. */
export interface ReplyRule {
  when?: RequestMatcher;
  reply: string;
  finishReason?: 'stop' | 'length' | 'content_filter';
}

export type Fault =
  /** Wait before answering (then answer normally). */
  | { kind: 'latency'; ms: number }
  /** Answer with an HTTP error; a 429 carries `retry-after` (seconds) when given. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; message?: string }
  /** Accept the request and never answer, until the client gives up or the server stops. */
  | { kind: 'timeout' }
  /** Send part of the answer and cut the connection (a stream after `afterChunks` chunks). */
  | { kind: 'truncate'; afterChunks?: number };

export interface FaultRule {
  fault: Fault;
  /** How many requests it hits before it is used up; default: every request. */
  times?: number;
  endpoint?: 'chat' | 'embeddings';
  when?: RequestMatcher;
}

/** One request the server received, for assertions ("the SDK retried twice"). */
export interface RecordedRequest {
  endpoint: 'chat' | 'embeddings' | 'models' | 'other';
  method: string;
  path: string;
  body: unknown;
  /** The fault applied to this request, if any. */
  fault?: Fault['kind'];
  status: number;
  receivedAt: string;
}

export function toPatternData(pattern: RegExp | string): PatternData {
  return typeof pattern === 'string' ? { pattern } : { pattern: pattern.source, flags: pattern.flags };
}

function toRegExp(data: PatternData): RegExp {
  return new RegExp(data.pattern, data.flags);
}

/** Whether a request (model + the text that is matched) satisfies a matcher. */
export function matches(
  matcher: RequestMatcher | undefined,
  model: string,
  text: string,
): RegExpExecArray | true | null {
  if (!matcher) return true;
  if (matcher.model !== undefined && matcher.model !== model) return null;
  if (matcher.lastUserMessage === undefined) return true;
  return toRegExp(matcher.lastUserMessage).exec(text);
}

/** The reply for a chat request: the first matching rule, else a deterministic echo. */
export function chooseReply(
  rules: readonly ReplyRule[],
  model: string,
  lastUserMessage: string,
): { content: string; finishReason: 'stop' | 'length' | 'content_filter' } {
  for (const rule of rules) {
    const match = matches(rule.when, model, lastUserMessage);
    if (match === null) continue;
    const groups = match === true ? [] : match;
    // Only groups the pattern has are substituted, so "$4.2M" in a reply stays as written.
    const content = rule.reply.replace(/\$(\d)/g, (whole, index: string) =>
      Number(index) > 0 && Number(index) < groups.length ? (groups[Number(index)] ?? '') : whole,
    );
    return { content, finishReason: rule.finishReason ?? 'stop' };
  }
  return { content: `echo: ${lastUserMessage}`, finishReason: 'stop' };
}

/** Takes the first fault that applies to a request and uses one of its `times`. */
export function takeFault(
  faults: FaultRule[],
  endpoint: 'chat' | 'embeddings',
  model: string,
  text: string,
): Fault | undefined {
  for (const rule of faults) {
    if (rule.times !== undefined && rule.times <= 0) continue;
    if (rule.endpoint !== undefined && rule.endpoint !== endpoint) continue;
    if (matches(rule.when, model, text) === null) continue;
    if (rule.times !== undefined) rule.times -= 1;
    return rule.fault;
  }
  return undefined;
}
