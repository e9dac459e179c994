/**
 * The HTTP/1.1 wire format the lean client needs (RFC 9112), with no I/O: a request head written,
 * an answer's head read, its body framing decided, chunked bodies decoded. Anything this does not
 * understand is an error, never a guess: a body of unknown length would be a silently cut answer.
 */

export class HttpWireError extends Error {
  override readonly name = 'HttpWireError';
}

/** Names and values that would split a request (header injection) are refused, as fetch refuses them. */
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const unsafeValue = /[\r\n\0]/;

export function requestHead(
  method: string,
  target: string,
  host: string,
  headers: Iterable<readonly [string, string]>,
  contentLength: number | undefined,
): string {
  if (!tokenPattern.test(method)) throw new TypeError(`not an HTTP method: ${JSON.stringify(method)}`);
  if (unsafeValue.test(target) || target.includes(' ')) {
    throw new TypeError(`not a request path: ${JSON.stringify(target)}`);
  }
  let head = `${method} ${target} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    // Framing and routing are the client's: a caller's copy would contradict the bytes sent.
    if (
      lower === 'host' ||
      lower === 'content-length' ||
      lower === 'transfer-encoding' ||
      lower === 'connection'
    ) {
      continue;
    }
    if (!tokenPattern.test(name)) throw new TypeError(`not a header name: ${JSON.stringify(name)}`);
    if (unsafeValue.test(value)) throw new TypeError(`header ${name} has a line break or NUL in its value`);
    head += `${name}: ${value}\r\n`;
  }
  if (contentLength !== undefined) head += `content-length: ${contentLength}\r\n`;
  return `${head}\r\n`;
}

/** How an answer's body ends. */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'close' };

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ", " (as fetch's Headers does). */
  headers: Map<string, string>;
  framing: BodyFraming;
  /** Whether the connection may carry another request after this answer. */
  reusable: boolean;
  /** The server's `keep-alive: timeout=N`, in milliseconds, when it sent one. */
  keepAliveMs?: number;
}

/** Parses an answer's head: `text` is everything before the blank line (latin1-decoded). */
export function parseResponseHead(text: string, method: string): ResponseHead {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!statusLine) throw new HttpWireError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0] ?? '')}`);
  const minor = statusLine[1];
  const status = Number(statusLine[2]);
  const headers = new Map<string, string>();
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] as string;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith(' ') || line.startsWith('\t')) {
      throw new HttpWireError(`not a header line: ${JSON.stringify(line)}`);
    }
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }

  const encoding = (headers.get('content-encoding') ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    // Never asked for (no accept-encoding is sent unless a caller adds one): refused, not mis-read.
    throw new HttpWireError(`a ${encoding}-encoded answer: this client does not decompress`);
  }
  const connection = (headers.get('connection') ?? '').toLowerCase();
  let reusable = minor === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  const transferEncoding = headers.get('transfer-encoding');
  const contentLength = headers.get('content-length');
  let framing: BodyFraming;
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    framing = { kind: 'none' };
  } else if (transferEncoding !== undefined) {
    // Only chunked: another coding (gzip, chunked) would hand the SDK compressed bytes.
    if (transferEncoding.trim().toLowerCase() !== 'chunked') {
      throw new HttpWireError(`a "${transferEncoding}" transfer coding: this client reads only chunked`);
    }
    framing = { kind: 'chunked' };
  } else if (contentLength !== undefined) {
    const lengths = new Set(contentLength.split(',').map((part) => part.trim()));
    const [only] = lengths;
    if (lengths.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
      throw new HttpWireError(`not a content length: ${JSON.stringify(contentLength)}`);
    }
    framing = { kind: 'length', length: Number(only) };
  } else {
    framing = { kind: 'close' };
    reusable = false;
  }

  const timeout = /\btimeout=(\d+)/i.exec(headers.get('keep-alive') ?? '');
  return {
    status,
    statusText: statusLine[3] ?? '',
    headers,
    framing,
    reusable,
    ...(timeout ? { keepAliveMs: Number(timeout[1]) * 1000 } : {}),
  };
}

const crlf = Buffer.from('\r\n');
const maxChunkLine = 4096;

/**
 * Decodes a chunked body fed in arbitrary pieces. `push` returns the data found in this piece,
 * whether the body is complete, and any bytes after its end (which the caller must treat as a
 * protocol error: nothing may follow an answer the client did not ask for).
 */
export class ChunkedDecoder {
  #state: 'size' | 'data' | 'data-end' | 'trailers' | 'done' = 'size';
  #remaining = 0;
  #pending: Buffer = Buffer.alloc(0);

  get done(): boolean {
    return this.#state === 'done';
  }

  push(piece: Buffer): { data: Buffer[]; done: boolean; rest: Buffer | undefined } {
    const data: Buffer[] = [];
    let bytes = this.#pending.length === 0 ? piece : Buffer.concat([this.#pending, piece]);
    this.#pending = Buffer.alloc(0);
    while (bytes.length > 0 && this.#state !== 'done') {
      if (this.#state === 'data') {
        const take = Math.min(this.#remaining, bytes.length);
        data.push(bytes.subarray(0, take));
        bytes = bytes.subarray(take);
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = 'data-end';
        continue;
      }
      const end = bytes.indexOf(crlf);
      if (end < 0) {
        if (bytes.length > maxChunkLine) throw new HttpWireError('a chunk line longer than 4 KiB');
        this.#pending = Buffer.from(bytes);
        break;
      }
      const line = bytes.toString('latin1', 0, end);
      bytes = bytes.subarray(end + 2);
      if (this.#state === 'data-end') {
        if (line !== '') throw new HttpWireError('a chunk longer than its declared size');
        this.#state = 'size';
      } else if (this.#state === 'size') {
        // Chunk extensions (";name=value") are allowed and ignored.
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw new HttpWireError(`not a chunk size: ${JSON.stringify(line)}`);
        this.#remaining = Number.parseInt(size[1] as string, 16);
        this.#state = this.#remaining === 0 ? 'trailers' : 'data';
      } else if (line === '') {
        // Trailer fields end with an empty line; their values are not used.
        this.#state = 'done';
      }
    }
    const done = this.#state === 'done';
    return { data, done, rest: done && bytes.length > 0 ? bytes : undefined };
  }
}
