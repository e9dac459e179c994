import { createHash, hash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { AirlockError } from '@airlock/core';

import { type FileIdentity, identityOf, sameIdentity } from './file-identity.ts';

export { type FileIdentity, identityOf, sameIdentity };

// Below this, one synchronous read and a one-shot hash beat streaming (many small files:
// ~30k files/s here); above it, a 1 MiB stream runs at the CPU's SHA extension speed.
export const smallFile = 1 << 20;

/**
 * SHA-256 of a file's bytes. The file's size, mtime, inode and ctime are compared before and after: a
 * file that changed while it was read is refused, never pinned with a hash of half old, half new.
 */
export async function hashFile(path: string): Promise<{ sha256: string; identity: FileIdentity }> {
  const before = identityOf(statSync(path, { bigint: true }));
  let sha256: string;
  if (before.size < smallFile) {
    sha256 = hash('sha256', readFileSync(path), 'hex');
  } else {
    // One reused buffer instead of a stream's fresh chunk per read: no garbage per chunk.
    const digest = createHash('sha256');
    const buffer = Buffer.allocUnsafe(4 << 20);
    const handle = await open(path, 'r');
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        digest.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
    sha256 = digest.digest('hex');
  }
  const after = identityOf(statSync(path, { bigint: true }));
  if (!sameIdentity(before, after)) {
    throw changedWhileHashing(path);
  }
  return { sha256, identity: after };
}

/** A file whose size, mtime, inode or ctime moved while it was read: its hash is no one state's. */
export function changedWhileHashing(path: string): AirlockError {
  return new AirlockError(
    'CONFLICT',
    `${path} changed while it was being hashed; pin it again once it is written`,
    { context: { path } },
  );
}

/** A cache object whose bytes are not what its name says (`why`), and what the user can do about it. */
export function damagedObject(
  object: string,
  why = 'is damaged: its bytes no longer match its name',
): AirlockError {
  return new AirlockError(
    'CHECK_FAILED',
    `cache object ${object} ${why}; airlock dataset verify --repair removes it, then pin or pull puts it back`,
    { context: { object } },
  );
}

/**
 * A cache object that no longer holds its pinned number of bytes when a checkout copies it (it
 * was re-hashed moments before: another process or a failing disk changed it since).
 */
export function objectResized(object: string, size: number, holds: number): AirlockError {
  const actual = holds > size ? `more than ${size}` : String(holds);
  return damagedObject(object, `holds ${actual} bytes, not ${size}: damaged since it was checked`);
}
