import OpenAI, { APIConnectionTimeoutError, InternalServerError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectOpenAIControl } from './control-client.ts';
import { type OpenAITestServer, startOpenAIServer } from './openai-server.ts';
import { countPromptTokens, countTextTokens } from './tokens.ts';

let server: OpenAITestServer;

beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await server.reset();
});

const model = 'gpt-4o-2024-11-20';
const client = (options: { maxRetries?: number; timeout?: number } = {}) =>
  new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', ...options });

describe('OpenAI-compatible test server, through the openai SDK', () => {
  it('answers by the rules a test sets, with real usage token counts', async () => {
    await server.setRules([
      {
        when: { lastUserMessage: /refund policy/i },
        reply: 'Our refund policy allows returns within 30 days.',
      },
      { when: { lastUserMessage: /^Translate to French: (.*)$/ }, reply: 'Bonjour ($1)' },
    ]);
    const messages = [
      { role: 'system' as const, content: 'You are a support bot.' },
      { role: 'user' as const, content: 'What is your REFUND POLICY?' },
    ];
    const completion = await client().chat.completions.create({ model, messages, temperature: 0, seed: 7 });
    const content = completion.choices[0]?.message.content;
    expect(content).toBe('Our refund policy allows returns within 30 days.');
    expect(completion.usage?.prompt_tokens).toBe(countPromptTokens(messages));
    expect(completion.usage?.completion_tokens).toBe(countTextTokens(content ?? ''));
    expect(completion.usage?.completion_tokens).toBeGreaterThan(5);

    const french = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Translate to French: Hello world' }],
    });
    expect(french.choices[0]?.message.content).toBe('Bonjour (Hello world)');

    const [first] = await server.requests();
    expect(first?.body).toMatchObject({ model, temperature: 0, seed: 7 });
  });

  it('echoes the last user message when no rule matches', async () => {
    const completion = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: ping');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams the reply token by token, with usage at the end when asked', async () => {
    await server.setRules([{ reply: 'Revenue increased 32% year-over-year, reaching $4.2M — très bien.' }]);
    const stream = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Summarize' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Revenue increased 32% year-over-year, reaching $4.2M — très bien.');
    expect(chunks).toBeGreaterThan(10);
    expect(usage?.completion_tokens).toBe(countTextTokens(text));
  });

  it('returns deterministic embeddings in the SDK default (base64) and float form', async () => {
    const first = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: ['hello', 'world'],
    });
    const again = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello',
      dimensions: 256,
    });
    const floats = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello',
      encoding_format: 'float',
      dimensions: 8,
    });
    expect(first.data).toHaveLength(2);
    expect(first.data[0]?.embedding).toHaveLength(256);
    expect(first.data[0]?.embedding).toEqual(again.data[0]?.embedding);
    expect(first.data[0]?.embedding).not.toEqual(first.data[1]?.embedding);
    const norm = Math.hypot(...(floats.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 5);
    expect(first.usage.prompt_tokens).toBe(2);
  });

  it('a 429 with retry-after is retried by the SDK and then succeeds', async () => {
    await server.addFault({ fault: { kind: 'status', status: 429, retryAfterSeconds: 0 }, times: 2 });
    const completion = await client({ maxRetries: 2 }).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: hi');
    const statuses = (await server.requests()).map((request) => request.status);
    expect(statuses).toEqual([429, 429, 200]);
  });

  it('500s that outlast the retries surface as a server error', async () => {
    await server.addFault({ fault: { kind: 'status', status: 500 }, endpoint: 'chat' });
    await expect(
      client({ maxRetries: 1 }).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(InternalServerError);
    expect(await server.requests()).toHaveLength(2);
  });

  it('a server that never answers ends in the SDK timeout', async () => {
    await server.addFault({ fault: { kind: 'timeout' }, times: 1 });
    await expect(
      client({ maxRetries: 0, timeout: 300 }).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('injected latency delays the answer', async () => {
    await server.addFault({ fault: { kind: 'latency', ms: 250 }, when: { lastUserMessage: 'slow' } });
    const started = performance.now();
    await client().chat.completions.create({ model, messages: [{ role: 'user', content: 'slow please' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('a truncated stream is detected, never taken for a complete answer', async () => {
    await server.setRules([{ reply: 'This answer is long enough to be cut in the middle of its stream.' }]);
    await server.addFault({ fault: { kind: 'truncate', afterChunks: 3 }, times: 1 });
    const stream = await client({ maxRetries: 0 }).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
    });
    let text = '';
    const consume = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    };
    await expect(consume()).rejects.toThrow();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toBe('This answer is long enough to be cut in the middle of its stream.');
  });

  it('a truncated plain response is an error, not a partial result', async () => {
    await server.addFault({ fault: { kind: 'truncate' }, times: 1 });
    await expect(
      client({ maxRetries: 0 }).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'go' }],
      }),
    ).rejects.toThrow(/terminated/);
  });

  it('checks the API key when one is configured, and lists models', async () => {
    const guarded = await startOpenAIServer({ apiKey: 'right' });
    try {
      const wrong = new OpenAI({ baseURL: guarded.baseURL, apiKey: 'wrong', maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
      const right = new OpenAI({ baseURL: guarded.baseURL, apiKey: 'right' });
      const ids = [];
      for await (const item of right.models.list()) ids.push(item.id);
      expect(ids).toContain('gpt-4o-2024-11-20');
    } finally {
      await guarded.stop();
    }
  });

  it('can be controlled over HTTP from another process', async () => {
    const control = connectOpenAIControl(server.origin);
    await control.setRules([{ when: { lastUserMessage: /status/ }, reply: 'all green' }]);
    await control.addFault({ fault: { kind: 'status', status: 503 }, times: 1 });
    const completion = await client({ maxRetries: 1 }).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'status?' }],
    });
    expect(completion.choices[0]?.message.content).toBe('all green');
    expect((await control.requests()).map((request) => request.status)).toEqual([503, 200]);
    await control.reset();
    expect(await control.requests()).toEqual([]);
  });
});
