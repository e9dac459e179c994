import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  chooseReply,
  type FaultRule,
  type RecordedRequest,
  type ReplyRule,
  type RequestMatcher,
  takeFault,
  toPatternData,
} from './scenario.ts';
import {
  type ChatMessageLike,
  countPromptTokens,
  countTextTokens,
  lastUserText,
  splitIntoTokens,
} from './tokens.ts';

/** A reply rule as a test writes it: a RegExp is accepted where the data form wants `{ pattern }`. */
export interface ReplyRuleInput extends Omit<ReplyRule, 'when'> {
  when?: MatcherInput;
}

export interface FaultRuleInput extends Omit<FaultRule, 'when'> {
  when?: MatcherInput;
}

export interface MatcherInput {
  lastUserMessage?: RegExp | string | { pattern: string; flags?: string };
  model?: string;
}

/** What a test can change while the server runs; the same calls work over HTTP (see control-client). */
export interface OpenAIServerControl {
  /** Replaces the reply rules (first match wins; no match → `echo: <last user message>`). */
  setRules(rules: ReplyRuleInput[]): Promise<void>;
  /** Adds a fault; faults are tried in the order added, before any rule. */
  addFault(fault: FaultRuleInput): Promise<void>;
  /** Clears rules, faults and the request log. */
  reset(): Promise<void>;
  /** Every request received since the last reset, in order. */
  requests(): Promise<RecordedRequest[]>;
}

export interface OpenAITestServer extends OpenAIServerControl {
  /** `http://127.0.0.1:<port>/v1`, the `baseURL` for the openai SDK. */
  baseURL: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  stop(): Promise<void>;
}

export interface StartOpenAIServerOptions {
  rules?: ReplyRuleInput[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Models listed by GET /v1/models. */
  models?: string[];
  /** Milliseconds between streamed chunks. */
  chunkDelayMs?: number;
}

const defaultModels = ['gpt-4o-2024-11-20', 'gpt-4o-mini-2024-07-18', 'text-embedding-3-small'];

function normalizeMatcher(matcher: MatcherInput | undefined): RequestMatcher | undefined {
  if (!matcher) return undefined;
  const { lastUserMessage, model } = matcher;
  return {
    ...(model === undefined ? {} : { model }),
    ...(lastUserMessage === undefined
      ? {}
      : {
          lastUserMessage:
            lastUserMessage instanceof RegExp || typeof lastUserMessage === 'string'
              ? toPatternData(lastUserMessage)
              : lastUserMessage,
        }),
  };
}

function normalizeRule(rule: ReplyRuleInput): ReplyRule {
  const when = normalizeMatcher(rule.when);
  return { ...rule, ...(when ? { when } : {}) } as ReplyRule;
}

function normalizeFault(rule: FaultRuleInput): FaultRule {
  const when = normalizeMatcher(rule.when);
  return { ...rule, ...(when ? { when } : {}) } as FaultRule;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes and waits until the bytes are handed to the socket (so a cut afterwards cuts after them). */
function writeFlushed(response: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve, reject) =>
    response.write(data, (error) => (error ? reject(error) : resolve())),
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function openAIError(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

/** A deterministic unit vector for a text: SHA-256 in counter mode, mapped to [-1, 1]. */
function embeddingOf(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let offset = 0; offset + 4 <= digest.length && values.length < dimensions; offset += 4) {
      values.push(digest.readUInt32LE(offset) / 0xffffffff - 0.5);
    }
  }
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

function base64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

interface ChatRequestBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: boolean } | null;
  n?: unknown;
}

/**
 * Starts an OpenAI-compatible HTTP server on a free port on 127.0.0.1: chat completions (plain
 * and streamed, with real o200k token counts in `usage`), embeddings (float or base64) and the
 * model list, answering by rules the test sets and failing on purpose with injected faults.
 */
export async function startOpenAIServer(options: StartOpenAIServerOptions = {}): Promise<OpenAITestServer> {
  let rules: ReplyRule[] = (options.rules ?? []).map(normalizeRule);
  let faults: FaultRule[] = [];
  let log: RecordedRequest[] = [];
  let sequence = 0;
  const sockets = new Set<Socket>();
  const models = options.models ?? defaultModels;

  async function applyFault(
    fault: FaultRule['fault'],
    response: ServerResponse,
  ): Promise<'handled' | 'continue' | { truncateAfter: number }> {
    switch (fault.kind) {
      case 'latency':
        await sleep(fault.ms);
        return 'continue';
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        const type =
          fault.status === 429
            ? 'rate_limit_exceeded'
            : fault.status >= 500
              ? 'server_error'
              : 'invalid_request_error';
        sendJson(
          response,
          fault.status,
          openAIError(fault.message ?? `injected HTTP ${fault.status}`, type, type),
          headers,
        );
        return 'handled';
      }
      case 'timeout':
        // Never answer; the socket is destroyed when the client gives up or the server stops.
        return 'handled';
      case 'truncate':
        return { truncateAfter: fault.afterChunks ?? 2 };
    }
  }

  async function handleChat(
    body: ChatRequestBody,
    response: ServerResponse,
    entry: RecordedRequest,
  ): Promise<void> {
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      entry.status = 400;
      sendJson(
        response,
        400,
        openAIError('model (string) and messages (array) are required', 'invalid_request_error'),
      );
      return;
    }
    const messages = body.messages as ChatMessageLike[];
    const lastUser = lastUserText(messages);
    const fault = takeFault(faults, 'chat', body.model, lastUser);
    let truncateAfter: number | undefined;
    if (fault) {
      entry.fault = fault.kind;
      const outcome = await applyFault(fault, response);
      if (outcome === 'handled') {
        entry.status = fault.kind === 'status' ? fault.status : 0;
        return;
      }
      if (typeof outcome === 'object') truncateAfter = outcome.truncateAfter;
    }
    const { content, finishReason } = chooseReply(rules, body.model, lastUser);
    const choices = typeof body.n === 'number' && body.n > 1 ? body.n : 1;
    const promptTokens = countPromptTokens(messages);
    const completionTokens = countTextTokens(content) * choices;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    };
    const id = `chatcmpl-airlock${++sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const common = { id, created, model: body.model, system_fingerprint: 'fp_airlock_test' };
    entry.status = 200;

    if (body.stream !== true) {
      const text = JSON.stringify({
        ...common,
        object: 'chat.completion',
        choices: Array.from({ length: choices }, (_, index) => ({
          index,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        })),
        usage,
      });
      if (truncateAfter !== undefined) {
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        await writeFlushed(response, text.slice(0, Math.floor(text.length / 2)));
        response.socket?.destroy();
        return;
      }
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
      return;
    }

    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const events: unknown[] = [];
    for (let index = 0; index < choices; index++) {
      events.push({
        index,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      });
      for (const piece of splitIntoTokens(content)) {
        events.push({ index, delta: { content: piece }, logprobs: null, finish_reason: null });
      }
      events.push({ index, delta: {}, logprobs: null, finish_reason: finishReason });
    }
    let sent = 0;
    for (const choice of events) {
      if (truncateAfter !== undefined && sent >= truncateAfter) {
        // Cut mid-stream without the terminating chunk: what a dropped connection looks like.
        response.socket?.destroy();
        return;
      }
      const chunk = { ...common, object: 'chat.completion.chunk', choices: [choice], usage: null };
      await writeFlushed(response, `data: ${JSON.stringify(chunk)}\n\n`);
      sent++;
      if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
    }
    if (body.stream_options?.include_usage) {
      response.write(
        `data: ${JSON.stringify({ ...common, object: 'chat.completion.chunk', choices: [], usage })}\n\n`,
      );
    }
    response.end('data: [DONE]\n\n');
  }

  async function handleEmbeddings(
    body: Record<string, unknown>,
    response: ServerResponse,
    entry: RecordedRequest,
  ) {
    const input = body.input;
    const inputs =
      typeof input === 'string' ? [input] : Array.isArray(input) ? input.map((item) => String(item)) : null;
    if (typeof body.model !== 'string' || inputs === null) {
      entry.status = 400;
      sendJson(
        response,
        400,
        openAIError('model (string) and input (string or array) are required', 'invalid_request_error'),
      );
      return;
    }
    const fault = takeFault(faults, 'embeddings', body.model, inputs.join('\n'));
    if (fault) {
      entry.fault = fault.kind;
      const outcome = await applyFault(fault, response);
      if (outcome === 'handled') {
        entry.status = fault.kind === 'status' ? fault.status : 0;
        return;
      }
      if (typeof outcome === 'object') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        await writeFlushed(response, '{"object":"list","data":[');
        response.socket?.destroy();
        return;
      }
    }
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 256;
    const base64 = body.encoding_format === 'base64';
    const tokens = inputs.reduce((sum, text) => sum + countTextTokens(text), 0);
    entry.status = 200;
    sendJson(response, 200, {
      object: 'list',
      model: body.model,
      data: inputs.map((text, index) => {
        const vector = embeddingOf(text, dimensions);
        return { object: 'embedding', index, embedding: base64 ? base64Floats(vector) : vector };
      }),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  async function handleControl(method: string, path: string, raw: string, response: ServerResponse) {
    const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    if (method === 'PUT' && path === '/__control/rules') {
      rules = ((body.rules ?? []) as ReplyRuleInput[]).map(normalizeRule);
    } else if (method === 'POST' && path === '/__control/faults') {
      faults.push(normalizeFault(body as unknown as FaultRuleInput));
    } else if (method === 'POST' && path === '/__control/reset') {
      rules = [];
      faults = [];
      log = [];
    } else if (method === 'GET' && path === '/__control/requests') {
      sendJson(response, 200, { requests: log });
      return;
    } else {
      sendJson(response, 404, openAIError(`no control endpoint ${method} ${path}`, 'invalid_request_error'));
      return;
    }
    sendJson(response, 200, { ok: true });
  }

  const server: Server = createServer(async (request, response) => {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      const raw = await readBody(request);
      if (path.startsWith('/__control/')) {
        await handleControl(method, path, raw, response);
        return;
      }
      const endpoint: RecordedRequest['endpoint'] =
        path === '/v1/chat/completions'
          ? 'chat'
          : path === '/v1/embeddings'
            ? 'embeddings'
            : path === '/v1/models'
              ? 'models'
              : 'other';
      let body: Record<string, unknown> = {};
      const recorded: RecordedRequest = {
        endpoint,
        method,
        path,
        body: null,
        status: 0,
        receivedAt: new Date().toISOString(),
      };
      log.push(recorded);
      if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
        recorded.status = 401;
        sendJson(
          response,
          401,
          openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
        );
        return;
      }
      if (raw !== '') {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
          recorded.body = body;
        } catch {
          recorded.status = 400;
          sendJson(response, 400, openAIError('the request body is not valid JSON', 'invalid_request_error'));
          return;
        }
      }
      if (method === 'POST' && endpoint === 'chat') return await handleChat(body, response, recorded);
      if (method === 'POST' && endpoint === 'embeddings')
        return await handleEmbeddings(body, response, recorded);
      if (method === 'GET' && endpoint === 'models') {
        recorded.status = 200;
        sendJson(response, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'airlock-test' })),
        });
        return;
      }
      recorded.status = 404;
      sendJson(
        response,
        404,
        openAIError(`Unknown request URL: ${method} ${path}`, 'invalid_request_error', 'unknown_url'),
      );
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, openAIError(String(error), 'server_error'));
      else response.destroy();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    baseURL: `${origin}/v1`,
    origin,
    setRules: async (next) => {
      rules = next.map(normalizeRule);
    },
    addFault: async (fault) => {
      faults.push(normalizeFault(fault));
    },
    reset: async () => {
      rules = [];
      faults = [];
      log = [];
    },
    requests: async () => structuredClone(log),
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
