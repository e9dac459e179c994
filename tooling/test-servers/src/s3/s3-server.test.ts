import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3TestServer, startS3Server } from './s3-server.ts';

let server: S3TestServer;
let client: S3Client;

beforeAll(async () => {
  server = await startS3Server();
  client = new S3Client(server.clientSettings);
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** 24 MiB handed to the SDK as a stream of 1 MiB pieces, never as one buffer. */
function streamOf(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += 1 << 20)
        yield data.subarray(offset, offset + (1 << 20));
    })(),
  );
}

describe('S3 test server', () => {
  it('streams an object up and down intact (SHA-256 compared)', async () => {
    const data = randomBytes(24 << 20);
    await client.send(
      new PutObjectCommand({
        Bucket: server.bucket,
        Key: 'big/object.bin',
        Body: streamOf(data),
        ContentLength: data.length,
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'big/object.bin' }));
    expect(head.ContentLength).toBe(data.length);

    const got = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'big/object.bin' }));
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of got.Body as Readable) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    expect(size).toBe(data.length);
    expect(hash.digest('hex')).toBe(sha256(data));
  });

  it('paginates listings (needs --openssl-legacy-provider in s3rver)', async () => {
    for (let index = 0; index < 5; index++) {
      await client.send(
        new PutObjectCommand({ Bucket: server.bucket, Key: `page/${index}`, Body: `object ${index}` }),
      );
    }
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: server.bucket,
          Prefix: 'page/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys).toEqual(['page/0', 'page/1', 'page/2', 'page/3', 'page/4']);
  });

  it('starts each server with its own empty folder and stops cleanly', async () => {
    const other = await startS3Server({ bucket: 'second-bucket' });
    const otherClient = new S3Client(other.clientSettings);
    const listing = await otherClient.send(new ListObjectsV2Command({ Bucket: 'second-bucket' }));
    expect(listing.KeyCount ?? 0).toBe(0);
    expect(other.endpoint).not.toBe(server.endpoint);
    otherClient.destroy();
    await other.stop();
    await expect(fetch(other.endpoint)).rejects.toThrow();
  });
});
