import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '@airlock/core';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { hashFile } from './hashing.ts';

describe('hashFile', () => {
  it('hashes small and large files', async () => {
    const dir = temporaryDirectory('airlock-hash-');
    const small = Buffer.from('small');
    const large = Buffer.alloc(5 << 20, 1);
    writeFileSync(join(dir, 'small'), small);
    writeFileSync(join(dir, 'large'), large);
    expect((await hashFile(join(dir, 'small'))).sha256).toBe(sha256Hex(small));
    expect((await hashFile(join(dir, 'large'))).sha256).toBe(sha256Hex(large));
  });

  it('refuses a file that changes while it is being read', async () => {
    const path = join(temporaryDirectory('airlock-hash-'), 'growing.bin');
    writeFileSync(path, Buffer.alloc(32 << 20, 2));
    const hashing = hashFile(path);
    // The file was measured when hashing began; this write lands while its bytes are being read.
    appendFileSync(path, 'more');
    await expect(hashing).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('changed while it was being hashed'),
    });
  });
});
