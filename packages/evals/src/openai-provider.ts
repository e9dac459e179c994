import { parseModelId } from '@airlock/registry';
import type OpenAI from 'openai';
import { createHttpTransport } from './http-transport.ts';
import { type Provider, ProviderError, retryAfterFrom } from './provider.ts';
import type { Completion, CompletionRequest } from './types.ts';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint (Azure, vLLM, Ollama, LiteLLM); default OpenAI's. */
  baseURL?: string;
  /** Per-call limit; a call past it is a `timeout` error (retried by the runner). */
  timeoutMs?: number;
  /**
   * Stream answers: a cut stream is seen as an error, never as a short answer. Default false:
   * whole answers, about half the client work per call (a cut body is an error too).
   */
  stream?: boolean;
  /** With streaming, ask for `usage` in the last chunk (some compatible servers reject it). Default true. */
  includeUsage?: boolean;
  /**
   * The HTTP client under the SDK: default a `node:http` keep-alive transport (createHttpTransport);
   * pass `fetch` to use global fetch (undici) or your own.
   */
  fetch?: typeof fetch;
  /** With the default transport: where `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` are read from. */
  proxyEnv?: Record<string, string | undefined>;
}

/** The innermost cause's code or message: `ECONNREFUSED`, not the wrappers' "fetch failed". */
function rootCause(error: Error): string {
  let inner: unknown = error;
  let text = error.message;
  for (let depth = 0; depth < 5 && inner instanceof Error; depth++) {
    const { code } = inner as { code?: unknown };
    if (typeof code === 'string') return code;
    text = inner.message;
    inner = inner.cause;
  }
  return text;
}

type OpenAIClass = typeof OpenAI;

// The SDK is ~30 MB and ~120 ms to load: loaded by the first call, not by every process that
// imports this package (most `airlock` commands never call a model).
let sdk: Promise<OpenAIClass> | undefined;
const loadSdk = (): Promise<OpenAIClass> => (sdk ??= import('openai').then((module) => module.default));

/** The SDK's error, classified. The SDK's own retries are off: the runner retries, and counts them. */
function classify(error: unknown, timeoutMs: number, OpenAI: OpenAIClass): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OpenAI.APIUserAbortError) return new ProviderError('aborted', 'stopped');
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError('timeout', `no answer within ${timeoutMs} ms`);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ProviderError('connection', `could not connect: ${rootCause(error)}`);
  }
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const status = error.status;
    // The SDK's message already starts with the status ("500 upstream failed").
    const message = error.message.startsWith(String(status))
      ? `HTTP ${error.message}`
      : `HTTP ${status}: ${error.message}`;
    if (status === 429) {
      const retryAfterMs = retryAfterFrom(error.headers);
      return new ProviderError('rate-limited', message, {
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (status >= 500) {
      const retryAfterMs = retryAfterFrom(error.headers);
      return new ProviderError('server', message, {
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (status === 401 || status === 403) return new ProviderError('unauthorized', message, { status });
    return new ProviderError('request', message, { status });
  }
  // A stream cut mid-answer surfaces as a network error from the body reader.
  const text = error instanceof Error ? error.message : String(error);
  return new ProviderError('truncated', `the answer stopped early: ${text}`);
}

/**
 * Chat completions through the `openai` SDK, streamed (so a cut stream is seen as an error, not as
 * a short answer). Model ids are `provider/model`; the part after the slash is sent.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const transport =
    options.fetch === undefined
      ? createHttpTransport(options.proxyEnv === undefined ? {} : { proxyEnv: options.proxyEnv })
      : undefined;
  let loaded: Promise<{ client: OpenAI; OpenAI: OpenAIClass }> | undefined;
  const sdkClient = () =>
    (loaded ??= loadSdk().then((OpenAI) => ({
      OpenAI,
      client: new OpenAI({
        apiKey: options.apiKey,
        ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
        maxRetries: 0,
        fetch: transport?.fetch ?? options.fetch,
        // The per-call timeout is ours (it covers the whole streamed answer, not just its headers).
        timeout: timeoutMs * 2,
      }),
    })));
  const includeUsage = options.includeUsage ?? true;
  const stream = options.stream ?? false;
  // `provider/model` → the name sent, parsed once per model rather than once per call.
  const sentNames = new Map<string, string>();
  return {
    description: `openai-compatible ${options.baseURL ?? 'https://api.openai.com/v1'}`,
    async complete(request: CompletionRequest, { signal }): Promise<Completion> {
      let model = sentNames.get(request.model);
      if (model === undefined) {
        model = parseModelId(request.model).name;
        sentNames.set(request.model, model);
      }
      const { parameters } = request;
      const { client, OpenAI } = await sdkClient();
      const started = performance.now();
      // One controller per call: the caller's stop and the per-call timeout both abort it, and
      // both links are removed when the call ends (no timers or listeners outlive the call).
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onStop = () => controller.abort();
      signal.addEventListener('abort', onStop, { once: true });
      const body = {
        model,
        messages: request.messages,
        ...(parameters.temperature === undefined ? {} : { temperature: parameters.temperature }),
        ...(parameters.seed === undefined ? {} : { seed: parameters.seed }),
        ...(parameters.maxTokens === undefined ? {} : { max_tokens: parameters.maxTokens }),
        ...(parameters.topP === undefined ? {} : { top_p: parameters.topP }),
        ...(parameters.responseFormat === undefined
          ? {}
          : { response_format: { type: parameters.responseFormat } }),
      };
      // Our transport carries the signal itself (see HttpTransport.withSignal); a caller's own
      // fetch gets it through the SDK.
      const sdkOptions = transport ? {} : { signal: controller.signal };
      const call = async (): Promise<Completion> => {
        if (!stream) {
          const answer = await client.chat.completions.create({ ...body, stream: false }, sdkOptions);
          const choice = answer.choices[0];
          if (!choice) throw new ProviderError('truncated', 'the answer has no choices');
          return {
            output: choice.message.content ?? '',
            finishReason: choice.finish_reason,
            latencyMs: performance.now() - started,
            ...(answer.usage
              ? {
                  usage: {
                    inputTokens: answer.usage.prompt_tokens,
                    outputTokens: answer.usage.completion_tokens,
                    cachedInputTokens: answer.usage.prompt_tokens_details?.cached_tokens ?? 0,
                  },
                }
              : {}),
            ...(answer.model ? { servedModel: answer.model } : {}),
          };
        }
        const chunks = await client.chat.completions.create(
          { ...body, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) },
          sdkOptions,
        );
        let output = '';
        let finishReason: string | undefined;
        let servedModel: string | undefined;
        let usage: Completion['usage'];
        for await (const chunk of chunks) {
          servedModel ??= chunk.model;
          const choice = chunk.choices[0];
          if (choice?.delta?.content) output += choice.delta.content;
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          if (chunk.usage) {
            usage = {
              inputTokens: chunk.usage.prompt_tokens,
              outputTokens: chunk.usage.completion_tokens,
              cachedInputTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
            };
          }
        }
        if (finishReason === undefined) {
          throw new ProviderError('truncated', 'the stream ended without a finish reason (cut off)');
        }
        return {
          output,
          finishReason,
          latencyMs: performance.now() - started,
          ...(usage ? { usage } : {}),
          ...(servedModel ? { servedModel } : {}),
        };
      };
      try {
        return await (transport ? transport.withSignal(controller.signal, call) : call());
      } catch (error) {
        if (signal.aborted) throw new ProviderError('aborted', 'stopped');
        if (timedOut) {
          throw new ProviderError('timeout', `no complete answer within ${timeoutMs} ms`);
        }
        throw classify(error, timeoutMs, OpenAI);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onStop);
      }
    },
  };
}
