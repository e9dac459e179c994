import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useOpenAIServer } from '@airlock/test-servers/vitest-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport } from './http-transport.ts';
import { createOpenAIProvider } from './openai-provider.ts';
import { isProviderError, type ProviderError } from './provider.ts';
import type { CompletionRequest } from './types.ts';

const server = useOpenAIServer([{ reply: 'Refunds are accepted within 30 days.' }]);
const request: CompletionRequest = {
  model: 'openai/gpt-4o-mini-2024-07-18',
  messages: [{ role: 'user', content: 'What is the refund window?' }],
  parameters: { temperature: 0 },
};

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isProviderError(error)) throw new Error(`expected a provider error, got ${String(error)}`);
  return error;
}

describe('the transport under the openai SDK', () => {
  const transports: ReturnType<typeof createHttpTransport>[] = [];
  afterEach(() => {
    for (const transport of transports.splice(0)) transport.close();
  });

  it('answers like fetch: status, headers, text and json, a body read once', async () => {
    const transport = createHttpTransport();
    transports.push(transport);
    const response = await transport.fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/json', authorization: 'Bearer test' }),
      body: JSON.stringify({ model: 'gpt-4o-mini-2024-07-18', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/application\/json/);
    const answer = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]?.message.content).toBe('Refunds are accepted within 30 days.');
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(/already been read/);
  });

  it('hands an error status to the SDK with its headers (a 429 keeps its retry-after)', async () => {
    await server.addFault({ fault: { kind: 'status', status: 429, retryAfterSeconds: 7 }, times: 1 });
    const provider = createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL });
    const error = await failure(provider.complete(request, { signal: new AbortController().signal }));
    expect(error.kind).toBe('rate-limited');
    expect(error.retryAfterMs).toBe(7000);
  });

  it('a stop while the answer is awaited ends the call at once as stopped, not as a timeout', async () => {
    await server.addFault({ fault: { kind: 'latency', ms: 5_000 }, times: 1 });
    const provider = createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL, timeoutMs: 10_000 });
    const stop = new AbortController();
    const started = performance.now();
    const pending = failure(provider.complete(request, { signal: stop.signal }));
    setTimeout(() => stop.abort(), 50);
    const error = await pending;
    expect(error.kind).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('the per-call limit covers the whole answer, streamed or not', async () => {
    for (const stream of [false, true]) {
      await server.addFault({ fault: { kind: 'latency', ms: 3_000 }, times: 1 });
      const provider = createOpenAIProvider({
        apiKey: 'test',
        baseURL: server.baseURL,
        timeoutMs: 100,
        stream,
      });
      const error = await failure(provider.complete(request, { signal: new AbortController().signal }));
      expect(error.kind).toBe('timeout');
      expect(error.message).toMatch(/within 100 ms/);
    }
  });

  it('an unreachable endpoint is a connection error naming the cause', async () => {
    const provider = createOpenAIProvider({ apiKey: 'test', baseURL: 'http://127.0.0.1:9/v1' });
    const error = await failure(provider.complete(request, { signal: new AbortController().signal }));
    expect(error.kind).toBe('connection');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('global fetch still works when passed instead (the SDK then carries the signal)', async () => {
    const provider = createOpenAIProvider({
      apiKey: 'test',
      baseURL: server.baseURL,
      fetch: globalThis.fetch,
    });
    const answer = await provider.complete(request, { signal: new AbortController().signal });
    expect(answer.output).toBe('Refunds are accepted within 30 days.');
    await server.addFault({ fault: { kind: 'latency', ms: 5_000 }, times: 1 });
    const stop = new AbortController();
    const pending = failure(provider.complete(request, { signal: stop.signal }));
    setTimeout(() => stop.abort(), 50);
    expect((await pending).kind).toBe('aborted');
  });
});

describe('the transport behind a proxy', () => {
  it('refuses a proxy variable it cannot read, rather than calling without the proxy', () => {
    for (const value of ['proxy.corp:3128', 'not a url', 'socks5://127.0.0.1:1080']) {
      expect(() =>
        createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL, proxyEnv: { HTTPS_PROXY: value } }),
      ).toThrow(`HTTPS_PROXY is not a proxy URL ("${value}"); write it as http://host:port, or unset it`);
    }
    expect(() =>
      createOpenAIProvider({
        apiKey: 'test',
        baseURL: server.baseURL,
        proxyEnv: { http_proxy: 'http://127.0.0.1:3128' },
      }),
    ).not.toThrow();
  });

  it('sends every call through HTTP_PROXY when given the environment, and not for NO_PROXY hosts', async () => {
    const seen: string[] = [];
    // A forwarding proxy: a plain-HTTP request arrives with the absolute URL as its target.
    const proxy = createServer(async (incoming, outgoing) => {
      seen.push(`${incoming.method} ${incoming.url}`);
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const upstream = await fetch(incoming.url as string, {
        method: incoming.method as string,
        headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
        body: Buffer.concat(chunks),
      });
      outgoing.writeHead(upstream.status, { 'content-type': 'application/json' });
      outgoing.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const proxyEnv = { HTTP_PROXY: `http://127.0.0.1:${port}` };
      const proxied = createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL, proxyEnv });
      const answer = await proxied.complete(request, { signal: new AbortController().signal });
      expect(answer.output).toBe('Refunds are accepted within 30 days.');
      expect(seen).toEqual([`POST ${server.baseURL}/chat/completions`]);
      const bypassed = createOpenAIProvider({
        apiKey: 'test',
        baseURL: server.baseURL,
        proxyEnv: { ...proxyEnv, NO_PROXY: '127.0.0.1' },
      });
      await bypassed.complete(request, { signal: new AbortController().signal });
      expect(seen).toHaveLength(1);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
