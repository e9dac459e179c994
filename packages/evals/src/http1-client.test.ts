import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp1Client, type Http1Client } from './http1-client.ts';

/**
 * A server that answers at the byte level, so each test decides exactly what goes on the wire.
 * `answer` gets each request's head and the socket, and writes whatever it likes.
 */
async function wireServer(answer: (request: string, socket: Socket, index: number) => void) {
  const connections: Socket[] = [];
  const requests: string[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    let pending = '';
    socket.on('data', (bytes) => {
      pending += bytes.toString('latin1');
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        requests.push(head);
        answer(head, socket, requests.length - 1);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: new URL(`http://127.0.0.1:${port}/v1/chat?x=1`), connections, requests };
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
function track<T extends Server | Http1Client>(value: T): T {
  closers.push(() => value.close());
  return value;
}

const post = (client: Http1Client, url: URL, extra: { signals?: AbortSignal[] } = {}) =>
  client.request({
    url,
    method: 'POST',
    headers: [['content-type', 'application/json']],
    body: '{"a":1}',
    ...extra,
  });

describe('the lean HTTP/1.1 client', () => {
  it('reuses one connection for answers framed by length and by chunks, and sends the body', async () => {
    const wire = await wireServer((_, socket, index) => {
      if (index % 2 === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst');
      else
        socket.write(
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsec\r\n3\r\nond\r\n0\r\n\r\n',
        );
    });
    track(wire.server);
    const client = track(createHttp1Client());
    const texts: string[] = [];
    for (let call = 0; call < 4; call++) {
      const { head, body } = await post(client, wire.url);
      expect(head.status).toBe(200);
      texts.push((await body.collect()).toString());
    }
    expect(texts).toEqual(['first', 'second', 'first', 'second']);
    expect(wire.connections).toHaveLength(1);
    expect(wire.requests[0]).toMatch(/^POST \/v1\/chat\?x=1 HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    expect(wire.requests[0]).toMatch(/content-length: 7/);
  });

  it('reads an answer without a length to the connection’s close, then opens a new one', async () => {
    const wire = await wireServer((_, socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the close'));
    track(wire.server);
    const client = track(createHttp1Client());
    for (let call = 0; call < 2; call++) {
      const { body } = await post(client, wire.url);
      expect((await body.collect()).toString()).toBe('until the close');
    }
    expect(wire.connections).toHaveLength(2);
  });

  it('does not reuse a connection the answer said to close, even if the server keeps it open', async () => {
    const wire = await wireServer((_, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'),
    );
    track(wire.server);
    const client = track(createHttp1Client());
    for (let call = 0; call < 2; call++) await (await post(client, wire.url)).body.collect();
    expect(wire.connections).toHaveLength(2);
  });

  it('sends the request again on a new connection when a kept-alive one was closed under it', async () => {
    // The server's idle timer fires just as the second request arrives: it drops the connection
    // without answering. Nothing was answered, so the client sends it once more.
    const wire = await wireServer((_, socket, index) => {
      if (index === 1) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    track(wire.server);
    const client = track(createHttp1Client());
    await (await post(client, wire.url)).body.collect();
    const { body } = await post(client, wire.url);
    expect((await body.collect()).toString()).toBe('ok');
    expect(wire.requests).toHaveLength(3);
    expect(wire.connections).toHaveLength(2);
  });

  it('does not resend on a new connection: a close before any answer is an error', async () => {
    const wire = await wireServer((_, socket) => socket.destroy());
    track(wire.server);
    const client = track(createHttp1Client());
    await expect(post(client, wire.url)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(wire.requests).toHaveLength(1);
  });

  it('a body cut before its length or before its last chunk throws, never a short answer', async () => {
    const wire = await wireServer((_, socket, index) => {
      if (index === 0) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
      else socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n');
    });
    track(wire.server);
    const client = track(createHttp1Client());
    const whole = await post(client, wire.url);
    await expect(whole.body.collect()).rejects.toThrow(/closed before the answer ended/);
    const streamed = await post(client, wire.url);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of streamed.body) seen.push(chunk.toString());
      })(),
    ).rejects.toThrow(/closed before the answer ended/);
    expect(seen).toEqual(['part']);
  });

  it('hands each chunk of a stream over as it arrives', async () => {
    let sendRest: (() => void) | undefined;
    const wire = await wireServer((_, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n');
      sendRest = () => socket.write('4\r\nlast\r\n0\r\n\r\n');
    });
    track(wire.server);
    const client = track(createHttp1Client());
    const { body } = await post(client, wire.url);
    const seen: string[] = [];
    for await (const chunk of body) {
      seen.push(chunk.toString());
      // The second chunk is only sent once the first has been read.
      if (seen.length === 1) sendRest?.();
    }
    expect(seen).toEqual(['first', 'last']);
  });

  it('a stop ends the call: before the answer it rejects, during the body reading throws', async () => {
    const wire = await wireServer((_, socket, index) => {
      if (index === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome');
      // The first request is never answered.
    });
    track(wire.server);
    const client = track(createHttp1Client());
    const before = new AbortController();
    const waiting = post(client, wire.url, { signals: [before.signal] });
    setTimeout(() => before.abort(), 20);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    const during = new AbortController();
    const { body } = await post(client, wire.url, { signals: [during.signal] });
    const reading = body.collect();
    during.abort(new Error('stopped by the run'));
    await expect(reading).rejects.toThrow('stopped by the run');
    // A stopped call's connection is never reused.
    expect(wire.connections).toHaveLength(2);
  });

  it('a connection paused for a slow reader still answers the next call once its answer ended', async () => {
    // Just under what the client buffers before pausing; the last piece crosses it and ends the body.
    const big = 'x'.repeat((1 << 20) - 10);
    const wire = await wireServer((_, socket, index) => {
      if (index === 0) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length + 20}\r\n\r\n${big}`);
        setTimeout(() => socket.write('01234567890123456789'), 100);
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
    });
    track(wire.server);
    const client = track(createHttp1Client());
    const first = await post(client, wire.url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The first body is still unread; the second call must not wait for it.
    const second = await post(client, wire.url);
    expect((await second.body.collect()).toString()).toBe('next');
    expect((await first.body.collect()).length).toBe(big.length + 20);
  });

  it('the SDK’s body cancel (return() on a fresh iterator) closes the connection and its listeners', async () => {
    const wire = await wireServer((_, socket) =>
      socket.write('HTTP/1.1 503 Busy\r\nContent-Length: 1000\r\n\r\nonly some'),
    );
    track(wire.server);
    const client = track(createHttp1Client());
    const stop = new AbortController();
    const { body } = await post(client, wire.url, { signals: [stop.signal] });
    await body[Symbol.asyncIterator]().return?.();
    const closed = wire.connections[0] as Socket;
    await new Promise((resolve) => (closed.destroyed ? resolve(undefined) : closed.once('close', resolve)));
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('bytes arriving on an idle connection retire it', async () => {
    const wire = await wireServer((head, socket) => {
      if (head.startsWith('HEAD')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
        // A buggy server sends the body a HEAD answer must not have.
        setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nSTALE'), 30);
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh');
    });
    track(wire.server);
    const client = track(createHttp1Client());
    const head = await client.request({ url: wire.url, method: 'HEAD', headers: [] });
    expect((await head.body.collect()).length).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { body } = await post(client, wire.url);
    expect((await body.collect()).toString()).toBe('fresh');
    expect(wire.connections).toHaveLength(2);
  });

  it('a call already stopped takes no connection', async () => {
    const wire = await wireServer(() => {});
    track(wire.server);
    const client = track(createHttp1Client());
    const stop = new AbortController();
    stop.abort();
    await expect(post(client, wire.url, { signals: [stop.signal] })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(wire.connections).toHaveLength(0);
  });

  it('refuses a header that would split the request before sending anything', async () => {
    const wire = await wireServer(() => {});
    track(wire.server);
    const client = track(createHttp1Client());
    await expect(
      client.request({ url: wire.url, method: 'GET', headers: [['x-a', 'v\r\nx-b: injected']] }),
    ).rejects.toThrow(/line break/);
    expect(wire.connections).toHaveLength(0);
  });

  it('a malformed answer is an error, not a guess', async () => {
    const wire = await wireServer((_, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'),
    );
    track(wire.server);
    const client = track(createHttp1Client());
    await expect(post(client, wire.url)).rejects.toThrow(/not a content length/);
  });

  it('speaks https, trusting the given CA, and refuses an unknown certificate', async () => {
    const folder = temporaryDirectory();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(folder, 'key.pem'),
        '-out',
        join(folder, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(folder, 'cert.pem'));
    const server = track(
      createTlsServer({ key: readFileSync(join(folder, 'key.pem')), cert }, (socket) => {
        socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret'));
        socket.on('error', () => {});
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    for (const host of ['localhost', '127.0.0.1']) {
      const url = new URL(`https://${host}:${port}/v1`);
      const trusting = track(createHttp1Client({ ca: cert }));
      const { body } = await post(trusting, url);
      expect((await body.collect()).toString()).toBe('secret');
      const strict = track(createHttp1Client());
      await expect(post(strict, url)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    }
  });
});
