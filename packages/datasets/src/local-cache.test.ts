import { Readable } from 'node:stream';
import { sha256Hex } from '@airlock/core';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { createLocalCache } from './local-cache.ts';

describe('local cache', () => {
  it('stores bytes only under their own hash, and never half an object', async () => {
    const cache = createLocalCache(temporaryDirectory('airlock-cache-'));
    const bytes = Buffer.from('pinned bytes');
    const sha256 = sha256Hex(bytes);
    await expect(cache.put(sha256, () => Readable.from([Buffer.from('other bytes')]))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`bytes for ${sha256} hash to`),
    });
    expect(cache.has(sha256)).toBe(false);
    expect(cache.list()).toEqual([]);
    expect(await cache.put(sha256, () => Readable.from([bytes]))).toEqual({
      size: bytes.length,
      stored: true,
    });
    let opened = false;
    const again = await cache.put(sha256, () => {
      opened = true;
      return Readable.from([bytes]);
    });
    expect(again).toEqual({ size: bytes.length, stored: false });
    expect(opened).toBe(false);
    expect(cache.list()).toEqual([sha256]);
  });
});
