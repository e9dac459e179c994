import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  type BodyFraming,
  ChunkedDecoder,
  HttpWireError,
  parseResponseHead,
  type ResponseHead,
  requestHead,
} from './http1-parse.ts';

/**
 * A lean HTTP/1.1 keep-alive client on `node:net` / `node:tls`: one request at a time per
 * connection, answers framed by content-length, chunked encoding or the connection's close. It
 * does what an eval's calls need and nothing else (no redirects, no proxies, no compression
 * negotiation, no request streaming), for a fraction of `node:http`'s CPU per call.
 */
export interface Http1Client {
  request(call: Http1Request): Promise<Http1Answer>;
  /** Closes every idle connection; connections in use close when their answer ends. */
  close(): void;
}

export interface Http1Request {
  url: URL;
  method: string;
  headers: Iterable<readonly [string, string]>;
  body?: string | Uint8Array;
  /** Any of these stops the call: before the answer it rejects, after it reading the body throws. */
  signals?: readonly AbortSignal[];
}

export interface Http1Answer {
  head: ResponseHead;
  body: AnswerBody;
}

export interface Http1ClientOptions {
  /** Certificate authorities to trust for https instead of Node's bundled ones (a private CA). */
  ca?: string | Buffer | (string | Buffer)[];
}

/** A cut connection: the bytes seen so far are not an answer. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'ECONNRESET';
}

const maxHeadBytes = 64 << 10;
// Unread answer bytes held before the connection is paused (a slow reader of a long stream).
const highWaterMark = 1 << 20;
// Without a `keep-alive: timeout` from the server, how long an idle connection is kept.
const defaultIdleMs = 4_000;
const maxIdlePerOrigin = 64;

/**
 * An answer's body as it arrives: iterable chunk by chunk (streamed answers), or collected whole.
 * A body cut before its end throws from both, as fetch's body does.
 */
export class AnswerBody implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  readonly #pause: () => void;
  readonly #resume: () => void;
  readonly #cancel: (reason: unknown) => void;

  constructor(flow: { pause(): void; resume(): void; cancel(reason: unknown): void }) {
    this.#pause = flow.pause;
    this.#resume = flow.resume;
    this.#cancel = flow.cancel;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > highWaterMark) this.#pause();
    this.#notify();
  }
  end(): void {
    this.#ended = true;
    this.#notify();
  }
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#notify();
  }
  /** Stops reading: the connection is closed (an unread answer cannot share it). */
  destroy(reason: unknown = new Error('the answer was abandoned')): void {
    if (this.#ended && this.#error === undefined) return;
    this.#cancel(reason);
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
  #take(): Buffer[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    // Once the answer has ended its connection may be carrying another call: hands off.
    if (this.#queued > highWaterMark && !this.#ended) this.#resume();
    this.#queued = 0;
    return chunks;
  }
  #waitForMore(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Every byte of the answer, once it has ended. */
  async collect(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (;;) {
      for (const chunk of this.#take()) chunks.push(chunk);
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) break;
      await this.#waitForMore();
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }

  /**
   * Chunk by chunk as they arrive. A reader that stops early (`break`, a thrown error, or the
   * SDK's body cancel, which calls `return()` on a fresh iterator) gives the connection up.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    let ready: Buffer[] = [];
    let finished = false;
    const iterator: AsyncIterableIterator<Buffer> = {
      next: async () => {
        for (;;) {
          const chunk = ready.shift();
          if (chunk !== undefined) return { value: chunk, done: false };
          ready = this.#take();
          if (ready.length > 0) continue;
          if (this.#error !== undefined) {
            finished = true;
            throw this.#error;
          }
          if (this.#ended) {
            finished = true;
            return { value: undefined, done: true };
          }
          await this.#waitForMore();
        }
      },
      return: async () => {
        if (!finished) {
          finished = true;
          this.destroy();
        }
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

interface Connection {
  socket: Socket;
  key: string;
  idleUntil: number;
  /**
   * The call the connection carries now, which its socket's events go to; none while idle. The
   * socket's listeners are added once, when it opens, not per call.
   */
  current: Exchange | undefined;
}

interface Exchange {
  onData(piece: Buffer): void;
  onEnd(): void;
  onError(error: Error): void;
}

/** What a stopped signal rejects with: its own reason, or fetch's AbortError. */
export const abortReason = (signal: AbortSignal): unknown =>
  signal.reason instanceof Error
    ? signal.reason
    : new DOMException('This operation was aborted', 'AbortError');

export function createHttp1Client(options: Http1ClientOptions = {}): Http1Client {
  const idle = new Map<string, Connection[]>();
  let closed = false;

  const open = (url: URL, key: string): Connection => {
    const secure = url.protocol === 'https:';
    // `[::1]` in a URL is `::1` to connect to.
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port || (secure ? 443 : 80));
    const socket = secure
      ? tlsConnect({
          host,
          port,
          ALPNProtocols: ['http/1.1'],
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(options.ca === undefined ? {} : { ca: options.ca }),
        })
      : netConnect({ host, port });
    socket.setNoDelay(true);
    const connection: Connection = { socket, key, idleUntil: 0, current: undefined };
    socket.on('data', (piece: Buffer) => {
      if (connection.current) connection.current.onData(piece);
      // Bytes nobody asked for (a body longer than its length, a stray answer): the connection
      // cannot be trusted with another call.
      else socket.destroy();
    });
    const ended = () => {
      if (connection.current) connection.current.onEnd();
      else forget(connection);
    };
    socket.on('end', ended);
    socket.on('close', ended);
    // While idle, a reset is not anyone's error.
    socket.on('error', (error) => connection.current?.onError(error));
    return connection;
  };

  /** Drops a closed connection from the idle ones. */
  const forget = (connection: Connection) => {
    const list = idle.get(connection.key);
    const at = list ? list.indexOf(connection) : -1;
    if (at >= 0) list?.splice(at, 1);
  };

  const takeIdle = (key: string): Connection | undefined => {
    const list = idle.get(key);
    const now = Date.now();
    while (list && list.length > 0) {
      const connection = list.pop() as Connection;
      if (!connection.socket.destroyed && connection.idleUntil > now) return connection;
      connection.socket.destroy();
    }
    return undefined;
  };

  const release = (connection: Connection, keepAliveMs: number | undefined) => {
    const { socket } = connection;
    const list = idle.get(connection.key) ?? [];
    if (closed || list.length >= maxIdlePerOrigin || socket.destroyed) {
      socket.destroy();
      return;
    }
    // Leave a second's margin before the server's own idle limit.
    connection.idleUntil = Date.now() + (keepAliveMs === undefined ? defaultIdleMs : keepAliveMs - 1_000);
    // A connection paused for a slow reader of the answer it just finished flows again, and an
    // idle one does not keep the process alive.
    socket.resume();
    socket.unref();
    list.push(connection);
    idle.set(connection.key, list);
  };

  /**
   * One request on one connection. `state.beforeAnyByte` tells, after a failure, whether the
   * connection failed before any byte of an answer arrived.
   */
  const exchange = (
    connection: Connection,
    call: Http1Request,
    head: string,
  ): { answer: Promise<Http1Answer>; state: { beforeAnyByte: boolean } } => {
    const { socket } = connection;
    const { method } = call;
    const signals = call.signals ?? [];
    socket.ref();
    let received = 0;
    const state: { beforeAnyByte: boolean } = { beforeAnyByte: true };
    const promise = new Promise<Http1Answer>((resolve, reject) => {
      let headBytes: Buffer | undefined;
      let answer: Http1Answer | undefined;
      let framing: BodyFraming = { kind: 'close' };
      let remaining = 0;
      let decoder: ChunkedDecoder | undefined;
      let reusable = false;
      let keepAliveMs: number | undefined;

      const detach = () => {
        connection.current = undefined;
        for (const signal of signals) signal.removeEventListener('abort', onAbort);
      };
      const fail = (error: unknown) => {
        detach();
        socket.destroy();
        if (answer) answer.body.fail(error);
        else {
          state.beforeAnyByte = received === 0;
          reject(error);
        }
      };
      const finish = (rest: Buffer | undefined) => {
        detach();
        answer?.body.end();
        if (reusable && rest === undefined) release(connection, keepAliveMs);
        else socket.destroy();
      };
      const onBody = (piece: Buffer) => {
        const body = (answer as Http1Answer).body;
        switch (framing.kind) {
          case 'none':
            finish(piece.length > 0 ? piece : undefined);
            return;
          case 'close':
            body.push(piece);
            return;
          case 'length': {
            const take = Math.min(remaining, piece.length);
            if (take > 0) body.push(piece.subarray(0, take));
            remaining -= take;
            if (remaining === 0) finish(piece.length > take ? piece.subarray(take) : undefined);
            return;
          }
          case 'chunked': {
            const decoded = (decoder as ChunkedDecoder).push(piece);
            for (const data of decoded.data) body.push(data);
            if (decoded.done) finish(decoded.rest);
          }
        }
      };
      function onData(piece: Buffer) {
        received += piece.length;
        if (answer) {
          try {
            onBody(piece);
          } catch (error) {
            fail(error);
          }
          return;
        }
        headBytes = headBytes === undefined ? piece : Buffer.concat([headBytes, piece]);
        for (;;) {
          const end = headBytes.indexOf('\r\n\r\n');
          if (end < 0) {
            if (headBytes.length > maxHeadBytes) fail(new HttpWireError('an answer head longer than 64 KiB'));
            return;
          }
          let parsed: ResponseHead;
          try {
            parsed = parseResponseHead(headBytes.toString('latin1', 0, end), method);
          } catch (error) {
            fail(error);
            return;
          }
          const rest = headBytes.subarray(end + 4);
          // 100 Continue and 103 Early Hints come before the answer itself.
          if (parsed.status >= 100 && parsed.status < 200) {
            headBytes = rest;
            continue;
          }
          framing = parsed.framing;
          reusable = parsed.reusable;
          keepAliveMs = parsed.keepAliveMs;
          if (framing.kind === 'length') remaining = framing.length;
          if (framing.kind === 'chunked') decoder = new ChunkedDecoder();
          answer = {
            head: parsed,
            body: new AnswerBody({
              pause: () => socket.pause(),
              resume: () => socket.resume(),
              cancel: (reason) => fail(reason),
            }),
          };
          resolve(answer);
          if (framing.kind === 'length' && remaining === 0) finish(rest.length > 0 ? rest : undefined);
          else if (rest.length > 0 || framing.kind === 'none') {
            try {
              onBody(rest);
            } catch (error) {
              fail(error);
            }
          }
          return;
        }
      }
      function onEnd() {
        if (answer && framing.kind === 'close') {
          finish(undefined);
          return;
        }
        fail(
          new ConnectionClosedError(
            answer
              ? 'the connection closed before the answer ended'
              : 'the connection closed before an answer',
          ),
        );
      }
      function onError(error: Error) {
        fail(error);
      }
      function onAbort(event: Event) {
        fail(abortReason(event.target as AbortSignal));
      }

      const stopped = signals.find((signal) => signal.aborted);
      if (stopped) {
        fail(abortReason(stopped));
        return;
      }
      for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
      connection.current = { onData, onEnd, onError };
      const { body } = call;
      if (body === undefined || typeof body === 'string')
        socket.write(body === undefined ? head : head + body);
      else {
        socket.cork();
        socket.write(head);
        socket.write(body);
        socket.uncork();
      }
    });
    return { answer: promise, state };
  };

  return {
    async request(call) {
      const { url, body } = call;
      const contentLength =
        body === undefined
          ? call.method === 'POST' || call.method === 'PUT' || call.method === 'PATCH'
            ? 0
            : undefined
          : typeof body === 'string'
            ? Buffer.byteLength(body)
            : body.length;
      const head = requestHead(call.method, url.pathname + url.search, url.host, call.headers, contentLength);
      const stopped = call.signals?.find((signal) => signal.aborted);
      if (stopped) throw abortReason(stopped);
      const key = `${url.protocol}//${url.host}`;
      const reused = takeIdle(key);
      const first = exchange(reused ?? open(url, key), call, head);
      if (!reused) return first.answer;
      try {
        return await first.answer;
      } catch (error) {
        // A kept-alive connection the server had already closed: nothing was answered, so the
        // request is sent once more on a new connection (as browsers and undici do).
        if (
          !first.state.beforeAnyByte ||
          call.signals?.some((signal) => signal.aborted) ||
          !(error instanceof Error)
        )
          throw error;
        const code = (error as { code?: unknown }).code;
        if (code !== 'ECONNRESET' && code !== 'EPIPE') throw error;
        return exchange(open(url, key), call, head).answer;
      }
    },
    close() {
      closed = true;
      for (const list of idle.values()) {
        for (const connection of list.splice(0)) connection.socket.destroy();
      }
      idle.clear();
    },
  };
}
