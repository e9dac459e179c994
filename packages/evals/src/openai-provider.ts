import { parseModelId } from '@airlock/registry';
import OpenAI from 'openai';
import { type Provider, ProviderError, retryAfterFrom } from './provider.ts';
import type { Completion, CompletionRequest } from './types.ts';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Any OpenAI-compatible endpoint (Azure, vLLM, Ollama, LiteLLM); default OpenAI's. */
  baseURL?: string;
  /** Per-call limit; a call past it is a `timeout` error (retried by the runner). */
  timeoutMs?: number;
  /** Send `stream_options.include_usage` (some compatible servers reject it). Default true. */
  includeUsage?: boolean;
}

/** The SDK's error, classified. The SDK's own retries are off: the runner retries, and counts them. */
function classify(error: unknown, timeoutMs: number): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OpenAI.APIUserAbortError) return new ProviderError('aborted', 'stopped');
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError('timeout', `no answer within ${timeoutMs} ms`);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return new ProviderError(
      'connection',
      `could not connect: ${cause?.code ?? cause?.message ?? error.message}`,
    );
  }
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const status = error.status;
    const message = `HTTP ${status}: ${error.message}`;
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
  const client = new OpenAI({
    apiKey: options.apiKey,
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    maxRetries: 0,
    timeout: timeoutMs,
  });
  const includeUsage = options.includeUsage ?? true;
  return {
    description: `openai-compatible ${options.baseURL ?? 'https://api.openai.com/v1'}`,
    async complete(request: CompletionRequest, { signal }): Promise<Completion> {
      const model = parseModelId(request.model).name;
      const { parameters } = request;
      const started = performance.now();
      // The per-call timeout covers the whole answer, not just its first byte.
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = AbortSignal.any([signal, timeout]);
      try {
        const stream = await client.chat.completions.create(
          {
            model,
            messages: request.messages,
            stream: true,
            ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
            ...(parameters.temperature === undefined ? {} : { temperature: parameters.temperature }),
            ...(parameters.seed === undefined ? {} : { seed: parameters.seed }),
            ...(parameters.maxTokens === undefined ? {} : { max_tokens: parameters.maxTokens }),
            ...(parameters.topP === undefined ? {} : { top_p: parameters.topP }),
            ...(parameters.responseFormat === undefined
              ? {}
              : { response_format: { type: parameters.responseFormat } }),
          },
          { signal: combined },
        );
        let output = '';
        let finishReason: string | undefined;
        let servedModel: string | undefined;
        let usage: Completion['usage'];
        for await (const chunk of stream) {
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
      } catch (error) {
        if (timeout.aborted && !signal.aborted) {
          throw new ProviderError('timeout', `no complete answer within ${timeoutMs} ms`);
        }
        throw classify(error, timeoutMs);
      }
    },
  };
}
