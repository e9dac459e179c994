import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** s3rver's fixed credentials; any signed request with them is accepted. */
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * Settings for `new S3Client(...)` that work against s3rver and other S3-compatible servers:
 * path-style URLs, and checksums only when an operation requires them — with the SDK's default
 * (always), a streamed PutObject is sent with aws-chunked framing that s3rver stores verbatim,
 * corrupting the object while answering 200.
 */
export interface S3ClientSettings {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: true;
  requestChecksumCalculation: 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_REQUIRED';
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A bucket that exists and is empty when the server starts. */
  bucket: string;
  region: string;
  /** The folder s3rver keeps objects in (removed on stop). */
  directory: string;
  clientSettings: S3ClientSettings;
  stop(): Promise<void>;
}

export interface StartS3ServerOptions {
  /** Default `airlock-test`. */
  bucket?: string;
  /** How long to wait for the child to listen. */
  startTimeoutMs?: number;
}

const childScript = join(import.meta.dirname, 's3rver-process.ts');

/** Starts s3rver on a free port on 127.0.0.1 with a fresh temporary folder and one empty bucket. */
export async function startS3Server(options: StartS3ServerOptions = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? 'airlock-test';
  const directory = mkdtempSync(join(tmpdir(), 'airlock-s3rver-'));
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    process.execPath,
    ['--openssl-legacy-provider', childScript, JSON.stringify({ directory, buckets: [bucket] })],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`s3rver did not start within ${options.startTimeoutMs ?? 15000} ms`)),
        options.startTimeoutMs ?? 15000,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited with code ${code} before listening: ${stderr.trim()}`));
      });
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    return {
      endpoint,
      bucket,
      region: 'us-east-1',
      directory,
      clientSettings: {
        endpoint,
        region: 'us-east-1',
        credentials: { ...s3rverCredentials },
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end();
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        }
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}
