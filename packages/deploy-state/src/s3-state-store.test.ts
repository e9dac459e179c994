import { createServer as createHttpServer, request as httpRequest, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { type S3TestServer, startS3Server } from '@airlock/test-servers';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, createS3StateStore, probeConditionalWrites } from './s3-state-store.ts';

let server: S3TestServer;
let client: S3Client;
beforeAll(async () => {
  server = await startS3Server();
  client = createS3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.clientSettings.credentials,
  });
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

let prefixCount = 0;
const newPrefix = () => `state${++prefixCount}/`;
const production = { namespace: 'payments', environment: 'production' };

/** Every object key under a prefix, as another S3 client would see them. */
async function keysUnder(prefix: string): Promise<string[]> {
  const listing = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }));
  return (listing.Contents ?? []).map((object) => object.Key ?? '').sort();
}

async function objectText(key: string): Promise<string> {
  const result = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  return (await result.Body?.transformToString('utf8')) ?? '';
}

/** A port on 127.0.0.1 that nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * s3rver behind an HTTP front that answers conditional PUTs the way real S3 does (412 when
 * If-None-Match / If-Match do not hold, or 409 ConditionalRequestConflict when told to, as S3 does
 * when two conditional writes race), forwarding everything else untouched. No server here enforces
 * conditional writes, and this is the path real S3 takes.
 */
async function startEnforcingFront(): Promise<{
  endpoint: string;
  client: S3Client;
  raceNextConditionalPut(): void;
  stop(): Promise<void>;
}> {
  const upstream = new URL(server.endpoint);
  let raceNext = false;
  // Conditional PUTs are checked and forwarded one at a time, so the check and the write cannot interleave.
  let queue: Promise<void> = Promise.resolve();
  const refuse = (response: ServerResponse, status: number, code: string) => {
    response.writeHead(status, { 'content-type': 'application/xml' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
    );
  };
  const front = createHttpServer((incoming, response) => {
    const ifNoneMatch = incoming.headers['if-none-match'];
    const ifMatch = incoming.headers['if-match'];
    const forward = () =>
      new Promise<void>((resolve) => {
        const outgoing = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
            answer.on('end', resolve);
          },
        );
        outgoing.on('error', (error) => {
          response.destroy(error);
          resolve();
        });
        incoming.pipe(outgoing);
      });
    if (incoming.method !== 'PUT' || (ifNoneMatch === undefined && ifMatch === undefined)) {
      void forward();
      return;
    }
    queue = queue.then(async () => {
      if (raceNext) {
        raceNext = false;
        incoming.resume();
        return refuse(response, 409, 'ConditionalRequestConflict');
      }
      const [bucket, ...key] = decodeURIComponent(new URL(incoming.url ?? '/', 'http://front').pathname)
        .slice(1)
        .split('/');
      const etag = await client
        .send(new HeadObjectCommand({ Bucket: bucket, Key: key.join('/') }))
        .then((head) => head.ETag)
        .catch(() => undefined);
      if ((ifNoneMatch === '*' && etag !== undefined) || (ifMatch !== undefined && ifMatch !== etag)) {
        incoming.resume();
        // Real S3 answers an If-Match PUT of a missing key with 404 NoSuchKey.
        const gone = etag === undefined && ifMatch !== undefined;
        return refuse(response, gone ? 404 : 412, gone ? 'NoSuchKey' : 'PreconditionFailed');
      }
      await forward();
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const frontClient = createS3Client({
    region: server.region,
    endpoint,
    forcePathStyle: true,
    credentials: server.clientSettings.credentials,
  });
  return {
    endpoint,
    client: frontClient,
    raceNextConditionalPut: () => {
      raceNext = true;
    },
    stop: async () => {
      frontClient.destroy();
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}

describe('probeConditionalWrites', () => {
  it('reports that s3rver does not enforce If-None-Match or If-Match, and leaves no probe object', async () => {
    const prefix = newPrefix();
    const probe = await probeConditionalWrites({ client, bucket: server.bucket, prefix });
    expect(probe).toEqual({
      enforced: false,
      ifNoneMatch: false,
      ifMatch: false,
      location: `s3://airlock-test/${prefix}`,
      detail: expect.stringContaining('conditional writes are not enforced'),
    });
    expect(probe.detail).toContain('overwrote an existing object despite If-None-Match: *');
    expect(probe.detail).toContain('accepted a write whose If-Match named a wrong ETag');
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('adds the missing slash to the prefix', async () => {
    const probe = await probeConditionalWrites({ client, bucket: server.bucket, prefix: 'no-slash' });
    expect(probe.location).toBe('s3://airlock-test/no-slash/');
  });
});

describe('an S3 state store on a server that ignores conditional writes', () => {
  it('refuses the first write with PRECONDITION_FAILED naming the location, and writes nothing', async () => {
    const prefix = newPrefix();
    const store = createS3StateStore({ client, bucket: server.bucket, prefix });
    const refusal = store.write(production, '{"deployed":"r1"}', undefined);
    await expect(refusal).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(
        new RegExp(
          `^s3://airlock-test/${prefix} does not enforce conditional writes \\(If-None-Match / If-Match were ignored\\): two pipelines could both win\\..*deploy\\.s3\\.accept_unenforced_conditional_writes: true`,
        ),
      ),
      context: { probe: { enforced: false, location: `s3://airlock-test/${prefix}` } },
    });
    // Refused again, from the cached probe, without writing.
    await expect(store.write(production, '{"deployed":"r1"}', undefined)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    expect(await store.read(production)).toBeUndefined();
    expect(await keysUnder(prefix)).toEqual([]);
  });
});

describe('an S3 state store that accepts unenforced conditional writes', () => {
  const acceptingStore = (prefix: string) =>
    createS3StateStore({
      client,
      bucket: server.bucket,
      prefix,
      acceptUnenforcedConditionalWrites: true,
    });

  it('reads nothing before the first write, then creates, reads back and replaces the state', async () => {
    const prefix = newPrefix();
    const store = acceptingStore(prefix);
    expect(store.locate(production)).toBe(`s3://airlock-test/${prefix}payments/production/deploy_state.json`);
    expect(await store.read(production)).toBeUndefined();

    const first = '{"deployed":"r1","note":"déployé ✓"}';
    const created = await store.write(production, first, undefined);
    const read = await store.read(production);
    expect(read).toEqual({ text: first, version: created, modifiedAt: expect.any(Date) });
    expect(await objectText(`${prefix}payments/production/deploy_state.json`)).toBe(first);

    const second = '{"deployed":"r2"}';
    const replaced = await store.write(production, second, created);
    expect(replaced).not.toBe(created);
    expect(await store.read(production)).toMatchObject({ text: second, version: replaced });
  });

  it('refuses a stale version with CONFLICT and leaves the object unchanged', async () => {
    const prefix = newPrefix();
    const store = acceptingStore(prefix);
    const stale = await store.write(production, '{"deployed":"r1"}', undefined);
    const current = await store.write(production, '{"deployed":"r2"}', stale);
    const location = store.locate(production);

    await expect(store.write(production, '{"deployed":"r3"}', stale)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `${location} changed since it was read (another writer); read it again`,
      context: { location },
    });
    expect(await store.read(production)).toMatchObject({ text: '{"deployed":"r2"}', version: current });
  });

  it('refuses to create state that already exists with CONFLICT', async () => {
    const prefix = newPrefix();
    const store = acceptingStore(prefix);
    await store.write(production, '{"deployed":"r1"}', undefined);
    await expect(store.write(production, '{"deployed":"other"}', undefined)).rejects.toMatchObject({
      code: 'CONFLICT',
      context: { location: store.locate(production) },
    });
    expect((await store.read(production))?.text).toBe('{"deployed":"r1"}');
  });

  it('refuses to replace state deleted since it was read, without bringing it back', async () => {
    const prefix = newPrefix();
    const store = acceptingStore(prefix);
    const version = await store.write(production, '{"deployed":"r1"}', undefined);
    await client.send(
      new DeleteObjectCommand({
        Bucket: server.bucket,
        Key: `${prefix}payments/production/deploy_state.json`,
      }),
    );
    await expect(store.write(production, '{"deployed":"r2"}', version)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('keeps two keys as two objects under the prefix, and leaves no probe object', async () => {
    const prefix = newPrefix();
    const store = acceptingStore(prefix.slice(0, -1));
    const staging = { namespace: 'payments', environment: 'staging' };
    await store.write(production, '{"env":"production"}', undefined);
    await store.write(staging, '{"env":"staging"}', undefined);
    expect(await keysUnder(prefix)).toEqual([
      `${prefix}payments/production/deploy_state.json`,
      `${prefix}payments/staging/deploy_state.json`,
    ]);
    expect((await store.read(production))?.text).toBe('{"env":"production"}');
    expect((await store.read(staging))?.text).toBe('{"env":"staging"}');
  });

  it('refuses namespaces and environments that are not one path segment, writing nothing', async () => {
    const prefix = newPrefix();
    const store = acceptingStore(prefix);
    const bad = ['', '.', '..', 'a/b', 'a\\b', 'a\0b'];
    for (const name of bad) {
      const asNamespace = { namespace: name, environment: 'production' };
      const asEnvironment = { namespace: 'payments', environment: name };
      for (const key of [asNamespace, asEnvironment]) {
        const which = key === asNamespace ? 'namespace' : 'environment';
        const refused = {
          code: 'INVALID_INPUT',
          message: expect.stringContaining(`${which} ${JSON.stringify(name)}`),
        };
        expect(() => store.locate(key)).toThrow(expect.objectContaining(refused));
        await expect(store.read(key)).rejects.toMatchObject(refused);
        await expect(store.write(key, '{}', undefined)).rejects.toMatchObject(refused);
      }
    }
    expect(await keysUnder(prefix)).toEqual([]);
  });
});

describe('an S3 state store on a server that enforces conditional writes (as real S3 does)', () => {
  it('probes them as enforced and leaves no probe object', async () => {
    const front = await startEnforcingFront();
    try {
      const prefix = newPrefix();
      const probe = await probeConditionalWrites({ client: front.client, bucket: server.bucket, prefix });
      expect(probe).toMatchObject({ enforced: true, ifNoneMatch: true, ifMatch: true });
      expect(probe.detail).toContain('conditional writes are enforced');
      expect(await keysUnder(prefix)).toEqual([]);
    } finally {
      await front.stop();
    }
  });

  it('creates and replaces without the option; the server answering 412, 409 or 404 becomes CONFLICT', async () => {
    const front = await startEnforcingFront();
    try {
      const prefix = newPrefix();
      const store = createS3StateStore({ client: front.client, bucket: server.bucket, prefix });
      const location = store.locate(production);
      const created = await store.write(production, '{"deployed":"r1"}', undefined);
      const replaced = await store.write(production, '{"deployed":"r2"}', created);
      expect(await store.read(production)).toMatchObject({ text: '{"deployed":"r2"}', version: replaced });

      const conflict = { code: 'CONFLICT', context: { location } };
      await expect(store.write(production, '{"deployed":"r3"}', created)).rejects.toMatchObject(conflict);
      await expect(store.write(production, '{"deployed":"r3"}', undefined)).rejects.toMatchObject(conflict);
      front.raceNextConditionalPut();
      await expect(store.write(production, '{"deployed":"r3"}', replaced)).rejects.toMatchObject(conflict);
      expect(await store.read(production)).toMatchObject({ text: '{"deployed":"r2"}', version: replaced });

      // Deleted since it was read: replacing it must not bring it back.
      await client.send(
        new DeleteObjectCommand({
          Bucket: server.bucket,
          Key: `${prefix}payments/production/deploy_state.json`,
        }),
      );
      await expect(store.write(production, '{"deployed":"r3"}', replaced)).rejects.toMatchObject(conflict);
      expect(await keysUnder(prefix)).toEqual([]);
    } finally {
      await front.stop();
    }
  });
});

describe('an S3 server that cannot be reached', () => {
  it('fails reads, writes and the probe with UPSTREAM_FAILED naming the location', async () => {
    const port = await closedPort();
    const unreachable = createS3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: server.clientSettings.credentials,
    });
    try {
      const store = createS3StateStore({
        client: unreachable,
        bucket: 'deploys',
        prefix: 'team',
        acceptUnenforcedConditionalWrites: true,
      });
      const location = 's3://deploys/team/payments/production/deploy_state.json';
      await expect(store.read(production)).rejects.toMatchObject({
        name: 'AirlockError',
        code: 'UPSTREAM_FAILED',
        message: expect.stringMatching(new RegExp(`^${location}: .*ECONNREFUSED`)),
      });
      await expect(store.write(production, '{}', undefined)).rejects.toMatchObject({
        code: 'UPSTREAM_FAILED',
        message: expect.stringMatching(
          /^probing conditional writes at s3:\/\/deploys\/team\/: .*ECONNREFUSED/,
        ),
      });
      await expect(probeConditionalWrites({ client: unreachable, bucket: 'deploys' })).rejects.toMatchObject({
        code: 'UPSTREAM_FAILED',
      });
    } finally {
      unreachable.destroy();
    }
  });
});
