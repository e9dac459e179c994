import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, HttpWireError, parseResponseHead, requestHead } from './http1-parse.ts';

describe('a request head', () => {
  it('carries the method, target, host and headers; framing and routing headers are the client’s', () => {
    const head = requestHead(
      'POST',
      '/v1/chat/completions?x=1',
      'api.example.com',
      [
        ['authorization', 'Bearer k'],
        ['Host', 'elsewhere'],
        ['Content-Length', '999'],
        ['connection', 'close'],
      ],
      12,
    );
    expect(head).toBe(
      'POST /v1/chat/completions?x=1 HTTP/1.1\r\nhost: api.example.com\r\nauthorization: Bearer k\r\ncontent-length: 12\r\n\r\n',
    );
  });

  it('refuses a header that would split the request, and a bad name or method', () => {
    expect(() => requestHead('GET', '/', 'h', [['x-a', 'ok\r\nx-injected: 1']], undefined)).toThrow(
      /line break/,
    );
    expect(() => requestHead('GET', '/', 'h', [['bad name', 'v']], undefined)).toThrow(/header name/);
    expect(() => requestHead('GET /x', '/', 'h', [], undefined)).toThrow(/method/);
    expect(() => requestHead('GET', '/a b', 'h', [], undefined)).toThrow(/path/);
  });
});

describe('an answer head', () => {
  it('reads the status, joins repeated headers and takes the length', () => {
    const head = parseResponseHead(
      'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 10\r\nKeep-Alive: timeout=5, max=100',
      'POST',
    );
    expect(head.status).toBe(429);
    expect(head.statusText).toBe('Too Many Requests');
    expect(head.headers.get('retry-after')).toBe('7');
    expect(head.headers.get('x-a')).toBe('1, 2');
    expect(head.framing).toEqual({ kind: 'length', length: 10 });
    expect(head.reusable).toBe(true);
    expect(head.keepAliveMs).toBe(5_000);
  });

  it('frames the body by chunks, by length, by the close, or not at all', () => {
    const framing = (text: string, method = 'GET') => parseResponseHead(text, method).framing.kind;
    expect(framing('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5')).toBe('chunked');
    expect(framing('HTTP/1.1 200 OK')).toBe('close');
    expect(framing('HTTP/1.1 204 No Content')).toBe('none');
    expect(framing('HTTP/1.1 304 Not Modified\r\nContent-Length: 10')).toBe('none');
    expect(framing('HTTP/1.1 200 OK\r\nContent-Length: 10', 'HEAD')).toBe('none');
    // A body read to the close cannot share its connection.
    expect(parseResponseHead('HTTP/1.1 200 OK', 'GET').reusable).toBe(false);
  });

  it('keeps the connection only when the version and the connection header allow it', () => {
    const reusable = (text: string) => parseResponseHead(`${text}\r\nContent-Length: 0`, 'GET').reusable;
    expect(reusable('HTTP/1.1 200 OK')).toBe(true);
    expect(reusable('HTTP/1.1 200 OK\r\nConnection: close')).toBe(false);
    expect(reusable('HTTP/1.0 200 OK')).toBe(false);
    expect(reusable('HTTP/1.0 200 OK\r\nConnection: keep-alive')).toBe(true);
  });

  it('refuses what it cannot frame safely', () => {
    expect(() => parseResponseHead('HTTP/2 200', 'GET')).toThrow(HttpWireError);
    expect(() => parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5, 6', 'GET')).toThrow(
      /content length/,
    );
    expect(() => parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: -1', 'GET')).toThrow(/content length/);
    expect(() => parseResponseHead('HTTP/1.1 200 OK\r\nno colon here', 'GET')).toThrow(/header line/);
    for (const coding of ['gzip, chunked', 'gzip']) {
      expect(() => parseResponseHead(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${coding}`, 'GET')).toThrow(
        /transfer coding/,
      );
    }
    expect(() => parseResponseHead('HTTP/1.1 200 OK\r\nContent-Encoding: gzip', 'GET')).toThrow(
      /gzip-encoded answer/,
    );
    // The same length repeated is one length.
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5, 5', 'GET').framing).toEqual({
      kind: 'length',
      length: 5,
    });
  });
});

describe('chunked bodies', () => {
  const wire = Buffer.from(
    '5;ext=1\r\nhello\r\n1A\r\n, a chunk of 26 bytes!!!!!\r\n0\r\nx-trailer: t\r\n\r\nNEXT',
    'latin1',
  );
  const expected = 'hello, a chunk of 26 bytes!!!!!';

  it('decode the same whatever the pieces they arrive in (every split point)', () => {
    for (let split = 0; split <= wire.length; split++) {
      const decoder = new ChunkedDecoder();
      const first = decoder.push(wire.subarray(0, split));
      const second = decoder.push(wire.subarray(split));
      const text = Buffer.concat([...first.data, ...second.data]).toString('latin1');
      expect(text, `split at ${split}`).toBe(expected);
      expect(decoder.done).toBe(true);
      // Whatever follows the body is handed back, never taken as part of it.
      const rest = Buffer.concat([first.rest ?? Buffer.alloc(0), second.rest ?? Buffer.alloc(0)]);
      expect(rest.toString('latin1'), `split at ${split}`).toBe('NEXT');
    }
  });

  it('decode byte by byte', () => {
    const decoder = new ChunkedDecoder();
    const data: Buffer[] = [];
    for (const byte of wire.subarray(0, wire.length - 4))
      data.push(...decoder.push(Buffer.from([byte])).data);
    expect(Buffer.concat(data).toString('latin1')).toBe(expected);
    expect(decoder.done).toBe(true);
  });

  it('refuse a bad size line or a chunk longer than it said', () => {
    expect(() => new ChunkedDecoder().push(Buffer.from('zz\r\n'))).toThrow(/chunk size/);
    expect(() => new ChunkedDecoder().push(Buffer.from('2\r\nabc\r\n'))).toThrow(
      /longer than its declared size/,
    );
    expect(() => new ChunkedDecoder().push(Buffer.alloc(5000, 0x31))).toThrow(/4 KiB/);
  });
});
