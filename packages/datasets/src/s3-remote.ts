import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { AirlockError, isSha256 } from '@airlock/core';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { forEachLimit } from './concurrency.ts';
import type { RemoteStore } from './remote.ts';

export interface S3RemoteOptions {
  bucket: string;
  prefix?: string;
  region?: string;
  /** For S3-compatible servers; AWS when omitted. */
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Requests in flight at once (default 8: little gain past that here). */
  concurrency?: number;
  /** Objects at least this big go up in parts (default 64 MiB). */
  multipartThreshold?: number;
  partSize?: number;
  /** Above this many objects, one listing is cheaper than a HEAD each (default 100). */
  listThreshold?: number;
  /** A local path for an object, so large uploads can read parts by range. */
  localPath?: (sha256: string) => string;
}

function upstream(error: unknown, what: string): AirlockError {
  const message = error instanceof Error ? error.message : String(error);
  return new AirlockError('UPSTREAM_FAILED', `${what}: ${message}`, { cause: error });
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey')
  );
}

/**
 * Dataset objects in S3 or any S3-compatible server. Checksums are sent when an operation needs
 * them, not always: the SDK's default frames streamed bodies as aws-chunked, which some
 * S3-compatible servers store verbatim (s3rver does: the object is corrupted while answering 200).
 * The SHA-256 is still sent with every single-part upload (`ChecksumSHA256`), and `If-None-Match: *`
 * asks the server never to overwrite; downloads are always re-hashed by the cache.
 */
export function createS3Remote(options: S3RemoteOptions): RemoteStore {
  const client = new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const prefix = options.prefix ?? '';
  const concurrency = options.concurrency ?? 8;
  const multipartThreshold = options.multipartThreshold ?? 64 << 20;
  const partSize = options.partSize ?? 16 << 20;
  const keyOf = (sha256: string) => `${prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
  const location = `s3://${options.bucket}/${prefix}`;

  async function list(): Promise<string[]> {
    const objects: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: options.bucket,
            Prefix: `${prefix}sha256/`,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) {
          const sha256 = (object.Key ?? '').slice(`${prefix}sha256/`.length).replace('/', '');
          if (isSha256(sha256)) objects.push(sha256);
        }
        token = page.NextContinuationToken;
      } while (token);
    } catch (error) {
      throw upstream(error, `listing ${location}`);
    }
    return objects;
  }

  async function uploadInParts(sha256: string, size: number): Promise<void> {
    const path = options.localPath?.(sha256);
    if (!path) throw new Error('multipart upload needs localPath');
    const key = keyOf(sha256);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: options.bucket, Key: key, Metadata: { sha256 } }),
    );
    const parts: { PartNumber: number; ETag: string }[] = [];
    const count = Math.ceil(size / partSize);
    await forEachLimit(
      Array.from({ length: count }, (_, index) => index),
      Math.min(concurrency, 4),
      async (index) => {
        const start = index * partSize;
        const end = Math.min(size, start + partSize) - 1;
        const result = await client.send(
          new UploadPartCommand({
            Bucket: options.bucket,
            Key: key,
            UploadId,
            PartNumber: index + 1,
            ContentLength: end - start + 1,
            Body: createReadStream(path, { start, end, highWaterMark: 1 << 20 }),
          }),
        );
        parts[index] = { PartNumber: index + 1, ETag: result.ETag ?? '' };
      },
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: options.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }

  return {
    location,
    async missing(objects) {
      if (objects.length > (options.listThreshold ?? 100)) {
        const present = new Set(await list());
        return objects.filter((sha256) => !present.has(sha256));
      }
      const absent: string[] = [];
      await forEachLimit(objects, concurrency, async (sha256) => {
        try {
          await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: keyOf(sha256) }));
        } catch (error) {
          if (isNotFound(error)) absent.push(sha256);
          else throw upstream(error, `checking ${location}`);
        }
      });
      return objects.filter((sha256) => absent.includes(sha256));
    },
    async upload(sha256, size, open) {
      try {
        if (size >= multipartThreshold && options.localPath) {
          await uploadInParts(sha256, size);
          return;
        }
        await client.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: keyOf(sha256),
            Body: open(),
            ContentLength: size,
            ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
            IfNoneMatch: '*',
            Metadata: { sha256 },
          }),
        );
      } catch (error) {
        // 412: the object is already there (If-None-Match): content-addressed, so it is the same bytes.
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return;
        throw upstream(error, `uploading ${sha256} to ${location}`);
      }
    },
    async download(sha256) {
      try {
        const result = await client.send(
          new GetObjectCommand({ Bucket: options.bucket, Key: keyOf(sha256) }),
        );
        return result.Body as Readable;
      } catch (error) {
        if (isNotFound(error)) {
          throw new AirlockError(
            'NOT_FOUND',
            `object ${sha256} is not on the remote ${location}; push it first`,
          );
        }
        throw upstream(error, `downloading ${sha256} from ${location}`);
      }
    },
    list,
  };
}
