import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { AirlockError } from '@airlock/core';
import { abortReason, createHttp1Client } from './http1-client.ts';

/**
 * A `fetch` for the `openai` SDK. The SDK still builds every request, parses every answer and
 * raises every error; only the wire is ours: a lean HTTP/1.1 keep-alive client (http1-client.ts)
 * for direct connections, `node:http` when a proxy is configured for the scheme. Global `fetch`
 * (undici) costs about three times the CPU per call, and its web streams and controllers are most
 * of the garbage an eval run makes (see bench/README.md). Anything this transport does not carry
 * — a body that is not a string or bytes — goes to global `fetch` unchanged. Redirects are not
 * followed (an API endpoint answers, it does not redirect): a 3xx reaches the SDK as an error.
 */
export interface HttpTransport {
  fetch: typeof fetch;
  /**
   * Runs `call` with `signal` stopping every request it makes through this transport. The SDK is
   * then given no signal of its own: with one it composes signals (`AbortSignal.any`) and
   * registers finalizers on every request, which costs more than the request itself.
   */
  withSignal<Result>(signal: AbortSignal, call: () => Result): Result;
  /** Closes the idle keep-alive connections. */
  close(): void;
}

export interface HttpTransportOptions {
  /**
   * Environment to read `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` from (node:http's `proxyEnv`).
   * The app passes its environment; without one, no proxy.
   */
  proxyEnv?: Record<string, string | undefined>;
}

/** The subset of `Headers` the SDK reads from an answer (`get`, `has`, iteration). */
class AnswerHeaders {
  readonly #values: Map<string, string>;

  /** `values`: lower-case names, repeated headers already joined. */
  constructor(values: Map<string, string>) {
    this.#values = values;
  }
  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }
  forEach(callback: (value: string, name: string) => void): void {
    this.#values.forEach(callback);
  }
  entries(): IterableIterator<[string, string]> {
    return this.#values.entries();
  }
  keys(): IterableIterator<string> {
    return this.#values.keys();
  }
  values(): IterableIterator<string> {
    return this.#values.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#values.entries();
  }
}

/** node:http's raw `[name, value, …]` list as lower-case names with repeats joined, like Headers. */
function joinedHeaders(raw: string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let index = 0; index < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    const value = raw[index + 1] as string;
    const previous = values.get(name);
    values.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  return values;
}

/** An answer's bytes: async-iterable chunks, collected whole when the body offers it. */
type AnswerBytes = AsyncIterable<Uint8Array> & { collect?(): Promise<Buffer> };

/**
 * The subset of `Response` the SDK uses: status, headers, `text()` / `json()` for whole answers,
 * and `body` as an async iterable of bytes for streamed ones. A body cut before its end (the
 * connection closed early) rejects `text()` and throws from the iteration, as fetch does.
 */
class AnswerResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: AnswerHeaders;
  readonly body: AnswerBytes;
  readonly redirected = false;
  readonly type = 'basic';
  #used = false;

  constructor(answer: {
    status: number;
    statusText: string;
    headers: Map<string, string>;
    body: AnswerBytes;
    url: string;
  }) {
    this.status = answer.status;
    this.statusText = answer.statusText;
    this.ok = answer.status >= 200 && answer.status < 300;
    this.url = answer.url;
    this.headers = new AnswerHeaders(answer.headers);
    this.body = answer.body;
  }
  get bodyUsed(): boolean {
    return this.#used;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  async text(): Promise<string> {
    return (await this.#bytes()).toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async #bytes(): Promise<Buffer> {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    if (this.body.collect) return this.body.collect();
    const chunks: Buffer[] = [];
    for await (const chunk of this.body) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }
}

function headerPairs(headers: RequestInit['headers']): Iterable<readonly [string, string]> {
  if (headers === undefined) return [];
  if (headers instanceof Headers || Array.isArray(headers)) return headers as Iterable<[string, string]>;
  return Object.entries(headers as Record<string, string>);
}

// The signal of the call in progress, seen by `fetch` however deep in the SDK it is called.
const callSignal = new AsyncLocalStorage<AbortSignal>();

/** Whether a proxy is configured for `scheme` (then node:http carries the call, NO_PROXY included). */
function proxyFor(scheme: 'http' | 'https', env: Record<string, string | undefined> | undefined): boolean {
  if (env === undefined) return false;
  const upper = scheme === 'https' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  let configured = false;
  for (const name of [upper.toLowerCase(), upper]) {
    const value = env[name];
    if (!value) continue;
    // node:http ignores a proxy it cannot read, and the calls would go out without it.
    const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new AirlockError(
        'INVALID_INPUT',
        `${name} is not a proxy URL ("${value}"); write it as http://host:port, or unset it`,
      );
    }
    configured = true;
  }
  return configured;
}

/**
 * Calls through node:http's agents, which honour `proxyEnv` (HTTP(S)_PROXY, NO_PROXY): used only
 * for a scheme a proxy is configured for.
 */
function createNodeHttpFetch(options: HttpTransportOptions) {
  const settings = {
    keepAlive: true,
    maxSockets: 64,
    ...(options.proxyEnv ? { proxyEnv: options.proxyEnv } : {}),
  };
  const agents = {
    http: new HttpAgent(settings),
    https: new HttpsAgent(settings),
  };
  const call = (url: URL, init: RequestInit, signals: readonly AbortSignal[]): Promise<Response> => {
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)({
        ...urlToHttpOptions(url),
        method: init.method ?? 'GET',
        headers: Object.fromEntries(headerPairs(init.headers)),
        agent: secure ? agents.https : agents.http,
      });
      let answer: IncomingMessage | undefined;
      const onAbort = (event: Event) => {
        const reason = abortReason(event.target as AbortSignal);
        // Before the answer: the promise rejects; after: reading the body throws.
        request.destroy(reason as Error);
        answer?.destroy(reason as Error);
        reject(reason);
      };
      const detach = () => {
        for (const signal of signals) signal.removeEventListener('abort', onAbort);
      };
      for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
      request.once('error', (error) => {
        detach();
        reject(new TypeError('fetch failed', { cause: error }));
      });
      request.once('response', (message) => {
        answer = message;
        message.once('close', detach);
        resolve(
          new AnswerResponse({
            status: message.statusCode ?? 0,
            statusText: message.statusMessage ?? '',
            headers: joinedHeaders(message.rawHeaders),
            body: message,
            url: url.href,
          }) as unknown as Response,
        );
      });
      request.end((init.body as string | Uint8Array | null | undefined) ?? undefined);
    });
  };
  return {
    call,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  // A private CA is trusted through NODE_EXTRA_CA_CERTS, as everywhere in Node.
  const client = createHttp1Client();
  const proxied = {
    'http:': proxyFor('http', options.proxyEnv),
    'https:': proxyFor('https', options.proxyEnv),
  };
  const viaProxy = proxied['http:'] || proxied['https:'] ? createNodeHttpFetch(options) : undefined;
  // An eval calls one URL thousands of times: parse it once.
  const targets = new Map<string, URL>();
  const target = (url: string) => {
    let parsed = targets.get(url);
    if (parsed === undefined) {
      if (targets.size >= 64) targets.clear();
      parsed = new URL(url);
      targets.set(url, parsed);
    }
    return parsed;
  };

  const transportFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    if (
      input instanceof Request ||
      (body != null && typeof body !== 'string' && !(body instanceof Uint8Array))
    ) {
      return fetch(input, init);
    }
    const href = typeof input === 'string' ? input : input.href;
    const url = target(href);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(input, init);
    const signals: AbortSignal[] = [];
    if (init.signal) signals.push(init.signal);
    const stop = callSignal.getStore();
    if (stop) signals.push(stop);
    if (viaProxy && proxied[url.protocol]) return viaProxy.call(url, init, signals);
    const method = (init.method ?? 'GET').toUpperCase();
    try {
      const { head, body: answerBody } = await client.request({
        url,
        method,
        headers: headerPairs(init.headers),
        ...(body == null ? {} : { body }),
        signals,
      });
      return new AnswerResponse({
        status: head.status,
        statusText: head.statusText,
        headers: head.headers,
        body: answerBody,
        url: href,
      }) as unknown as Response;
    } catch (error) {
      if (signals.some((signal) => signal.aborted)) throw error;
      // As fetch reports it: the wrapper says "fetch failed", the cause says why.
      throw new TypeError('fetch failed', { cause: error });
    }
  };

  return {
    fetch: transportFetch as typeof fetch,
    withSignal: (signal, call) => callSignal.run(signal, call),
    close() {
      client.close();
      viaProxy?.close();
    },
  };
}
