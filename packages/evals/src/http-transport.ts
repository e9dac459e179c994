import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';

/**
 * A `fetch` for the `openai` SDK on `node:http` keep-alive agents. The SDK still builds every
 * request, parses every answer and raises every error; only the wire is ours. Global `fetch`
 * (undici) costs about twice the CPU per call, and its web streams and controllers are most of
 * the garbage an eval run makes (see bench/README.md). Anything this transport does not carry —
 * a body that is not a string or bytes — goes to global `fetch` unchanged. Redirects are not
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
  /** Closes the idle keep-alive sockets (a finished run must not hold the process open). */
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

  constructor(raw: string[]) {
    this.#values = new Map();
    for (let index = 0; index < raw.length; index += 2) {
      const name = (raw[index] as string).toLowerCase();
      const value = raw[index + 1] as string;
      const previous = this.#values.get(name);
      this.#values.set(name, previous === undefined ? value : `${previous}, ${value}`);
    }
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

const abortError = (signal: AbortSignal): unknown =>
  signal.reason instanceof Error
    ? signal.reason
    : new DOMException('This operation was aborted', 'AbortError');

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
  readonly redirected = false;
  readonly type = 'basic';
  readonly body: IncomingMessage;
  #used = false;

  constructor(message: IncomingMessage, url: string) {
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    this.url = url;
    this.headers = new AnswerHeaders(message.rawHeaders);
    this.body = message;
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
    const chunks: Buffer[] = [];
    for await (const chunk of this.body) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers === undefined) return record;
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of headers) record[name] = value;
    return record;
  }
  return { ...(headers as Record<string, string>) };
}

// The signal of the call in progress, seen by `fetch` however deep in the SDK it is called.
const callSignal = new AsyncLocalStorage<AbortSignal>();

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const settings = {
    keepAlive: true,
    // Connections per origin: above any sane eval concurrency.
    maxSockets: 64,
    ...(options.proxyEnv ? { proxyEnv: options.proxyEnv } : {}),
  };
  const agents = { http: new HttpAgent(settings), https: new HttpsAgent(settings) };
  // An eval calls one URL thousands of times: parse it once.
  const targets = new Map<string, ReturnType<typeof urlToHttpOptions>>();
  const target = (url: string) => {
    let parsed = targets.get(url);
    if (parsed === undefined) {
      if (targets.size >= 64) targets.clear();
      parsed = urlToHttpOptions(new URL(url));
      targets.set(url, parsed);
    }
    return parsed;
  };

  const transportFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    if (
      input instanceof Request ||
      (body != null && typeof body !== 'string' && !(body instanceof Uint8Array))
    ) {
      return fetch(input, init);
    }
    const url = typeof input === 'string' ? input : input.href;
    const signals = [init.signal, callSignal.getStore()].filter(
      (signal): signal is AbortSignal => signal != null,
    );
    const stopped = signals.find((signal) => signal.aborted);
    if (stopped) return Promise.reject(abortError(stopped));
    const secure = url.startsWith('https:');
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)({
        ...target(url),
        method: init.method ?? 'GET',
        headers: headerRecord(init.headers),
        agent: secure ? agents.https : agents.http,
      });
      let answer: IncomingMessage | undefined;
      const onAbort = (event: Event) => {
        const reason = abortError(event.target as AbortSignal);
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
        resolve(new AnswerResponse(message, url) as unknown as Response);
      });
      request.end(body ?? undefined);
    });
  };

  return {
    fetch: transportFetch as typeof fetch,
    withSignal: (signal, call) => callSignal.run(signal, call),
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
