import { randomBytes } from 'node:crypto';
import { AirlockError } from '@airlock/core';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkStateKey } from './state.ts';
import type { StateKey, StateStore, StoredState } from './state-store.ts';

export interface S3ClientOptions {
  region: string;
  /** For S3-compatible servers; AWS when omitted. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Omitted: the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * An S3 client for AWS or any S3-compatible server. Checksums are sent only when an operation
 * requires them: with the SDK's default (always), streamed bodies go out aws-chunked, which some
 * S3-compatible servers store verbatim (s3rver does, answering 200 for a corrupted object).
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface S3StateStoreOptions {
  /** Built by the app (credentials from the AWS environment), e.g. with `createS3Client`. */
  client: S3Client;
  bucket: string;
  /** Prepended to every key; a missing trailing `/` is added. Default: the bucket's root. */
  prefix?: string;
  /** Use this store even when the server was found not to enforce If-Match / If-None-Match. */
  acceptUnenforcedConditionalWrites?: boolean;
}

/** What `probeConditionalWrites` found out about a bucket (and prefix). */
export interface ConditionalWriteProbe {
  /** Both conditions were enforced: compare-and-swap through this server is safe. */
  enforced: boolean;
  /** A second `If-None-Match: *` PUT of an existing object was refused. */
  ifNoneMatch: boolean;
  /** A PUT with `If-Match` naming a wrong ETag was refused. */
  ifMatch: boolean;
  /** What was found, in words, for messages. */
  detail: string;
  /** `s3://bucket/prefix` that was probed. */
  location: string;
}

/** An ETag no object has: S3 ETags are an MD5 (hex), possibly with a `-<parts>` suffix. */
const wrongEtag = `"${'0'.repeat(32)}"`;

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    error.name !== 'NoSuchBucket' &&
    (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey')
  );
}

/**
 * 412: the condition did not hold. 409 ConditionalRequestConflict: real S3's answer when two
 * conditional writes to one key race; either way another writer got there first.
 */
function isConditionFailed(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}

/**
 * A failed S3 call. A missing bucket or missing credentials is the configuration's fault, not the
 * network's: PRECONDITION_FAILED (exit 2) naming what to fix, rather than "unreachable" (exit 4) —
 * and never "no deploy state here", which would invite --init on a bucket that does not exist.
 */
function upstream(error: unknown, location: string): AirlockError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'NoSuchBucket') {
    return new AirlockError(
      'PRECONDITION_FAILED',
      `${location}: the bucket does not exist (deploy.s3.bucket in airlock.yaml)`,
      { cause: error },
    );
  }
  if (
    name === 'CredentialsProviderError' ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch'
  ) {
    return new AirlockError(
      'PRECONDITION_FAILED',
      `${location}: no usable AWS credentials (${describeError(error)}); set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile`,
      { cause: error },
    );
  }
  return new AirlockError('UPSTREAM_FAILED', `${location}: ${describeError(error)}`, { cause: error });
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Connection failures can arrive as an AggregateError with an empty message; its code says more.
  if (error.message) return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

function conflict(location: string): AirlockError {
  return new AirlockError(
    'CONFLICT',
    `${location} changed since it was read (another writer); read it again`,
    { context: { location } },
  );
}

/**
 * Finds out whether the server enforces conditional writes, by trying them on a throw-away object
 * under `<prefix>.airlock-probe/`: an `If-None-Match: *` PUT of an object that exists and an
 * `If-Match` PUT with a wrong ETag must both be refused. S3-compatible servers differ here (s3rver
 * ignores both and overwrites), and a store that trusted them would let two pipelines both win.
 * The probe object is deleted afterwards, best effort (it is tiny and harmless if left behind).
 * Throws UPSTREAM_FAILED when the server cannot be reached or refuses the probe's plain requests.
 */
export async function probeConditionalWrites(options: {
  client: S3Client;
  bucket: string;
  prefix?: string;
}): Promise<ConditionalWriteProbe> {
  const { client, bucket } = options;
  const prefix = normalizePrefix(options.prefix);
  const location = `s3://${bucket}/${prefix}`;
  const key = `${prefix}.airlock-probe/${randomBytes(16).toString('hex')}`;
  const put = (body: string, condition: { IfNoneMatch: string } | { IfMatch: string }) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'text/plain',
        ...condition,
      }),
    );

  /** True when the server refused the conditional PUT, false when it wrote anyway. */
  async function refused(body: string, condition: { IfNoneMatch: string } | { IfMatch: string }) {
    try {
      await put(body, condition);
      return false;
    } catch (error) {
      if (isConditionFailed(error)) return true;
      throw upstream(error, `probing conditional writes at ${location}`);
    }
  }

  let created = false;
  try {
    try {
      await put('created', { IfNoneMatch: '*' });
      created = true;
    } catch (error) {
      throw upstream(error, `probing conditional writes at ${location}`);
    }
    const ifNoneMatch = await refused('overwritten despite If-None-Match', { IfNoneMatch: '*' });
    const ifMatch = await refused('overwritten despite a wrong If-Match', { IfMatch: wrongEtag });
    const enforced = ifNoneMatch && ifMatch;
    const found = [
      ifNoneMatch
        ? 'refused to overwrite an existing object under If-None-Match: * (412)'
        : 'overwrote an existing object despite If-None-Match: *',
      ifMatch
        ? 'refused a write whose If-Match named a wrong ETag'
        : 'accepted a write whose If-Match named a wrong ETag',
    ];
    const detail = `${location} ${found.join(' and ')}: conditional writes are ${enforced ? '' : 'not '}enforced`;
    return { enforced, ifNoneMatch, ifMatch, detail, location };
  } finally {
    if (created) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    }
  }
}

/**
 * Deploy state in S3 (or an S3-compatible server): one object per key at
 * `<prefix><namespace>/<environment>/deploy_state.json`, its ETag as the version, and every write
 * conditional (`If-None-Match: *` to create, `If-Match: <etag>` to replace). Before its first write
 * the store probes once whether the server enforces those conditions; where it does not, writes are
 * refused (PRECONDITION_FAILED) unless `acceptUnenforcedConditionalWrites` is set.
 */
export function createS3StateStore(options: S3StateStoreOptions): StateStore {
  const { client, bucket } = options;
  const prefix = normalizePrefix(options.prefix);
  const storeLocation = `s3://${bucket}/${prefix}`;
  // One probe per store, shared by concurrent first writes; forgotten if it failed, so the next
  // write tries again instead of repeating an upstream hiccup forever.
  let probe: Promise<ConditionalWriteProbe> | undefined;

  function objectKey(key: StateKey): string {
    checkStateKey(key);
    return `${prefix}${key.namespace}/${key.environment}/deploy_state.json`;
  }

  async function conditionalWrites(): Promise<ConditionalWriteProbe> {
    probe ??= probeConditionalWrites({ client, bucket, prefix }).catch((error: unknown) => {
      probe = undefined;
      throw error;
    });
    return probe;
  }

  /** The object's current ETag, or undefined when there is none. */
  async function currentEtag(objectName: string, location: string): Promise<string | undefined> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectName }));
      return head.ETag;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw upstream(error, location);
    }
  }

  return {
    locate(key) {
      return `s3://${bucket}/${objectKey(key)}`;
    },

    async read(key): Promise<StoredState | undefined> {
      const objectName = objectKey(key);
      const location = `s3://${bucket}/${objectName}`;
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectName }));
        const text = (await result.Body?.transformToString('utf8')) ?? '';
        if (!result.ETag) {
          throw new AirlockError(
            'UPSTREAM_FAILED',
            `${location}: the server returned no ETag, so the state cannot be replaced safely`,
          );
        }
        return {
          text,
          version: result.ETag,
          ...(result.LastModified ? { modifiedAt: result.LastModified } : {}),
        };
      } catch (error) {
        if (error instanceof AirlockError) throw error;
        if (isNotFound(error)) return undefined;
        throw upstream(error, location);
      }
    },

    async write(key, text, expectedVersion) {
      const objectName = objectKey(key);
      const location = `s3://${bucket}/${objectName}`;
      const found = await conditionalWrites();
      if (!found.enforced) {
        if (!options.acceptUnenforcedConditionalWrites) {
          throw new AirlockError(
            'PRECONDITION_FAILED',
            `${storeLocation} does not enforce conditional writes (If-None-Match / If-Match were ignored): two pipelines could both win. Use real S3 (or a server that enforces them), or accept the risk with deploy.s3.accept_unenforced_conditional_writes: true`,
            { context: { probe: found } },
          );
        }
        // Best effort where the server ignores the conditions: compare the ETag just before the
        // PUT. A writer that lands between this HEAD and our PUT is still overwritten silently (the
        // window is one round trip), which is the risk the option accepts.
        const etag = await currentEtag(objectName, location);
        if (etag !== expectedVersion) throw conflict(location);
      }
      let etag: string | undefined;
      try {
        const result = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: objectName,
            Body: text,
            ContentType: 'application/json',
            ...(expectedVersion === undefined ? { IfNoneMatch: '*' } : { IfMatch: expectedVersion }),
          }),
        );
        etag = result.ETag;
      } catch (error) {
        if (isConditionFailed(error)) throw conflict(location);
        // S3 answers an If-Match PUT of a key that no longer exists with 404: deleted since read.
        if (expectedVersion !== undefined && isNotFound(error)) throw conflict(location);
        throw upstream(error, location);
      }
      etag ??= await currentEtag(objectName, location);
      if (etag === undefined) {
        throw new AirlockError(
          'UPSTREAM_FAILED',
          `${location}: written, but the server returned no ETag for it`,
        );
      }
      return etag;
    },
  };
}
