import { describe, expect, it } from 'vitest';
import { checkImageReference, parseImageReference } from './image-reference.ts';

const commit = '3f9a2c1e7b5d4a6f8e0c1b2a3d4e5f6a7b8c9d0e';
const digest = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it('splits registry ports, tags and digests', () => {
    expect(parseImageReference('localhost:5000/bot:3f9a2c1')).toEqual({
      repository: 'localhost:5000/bot',
      tag: '3f9a2c1',
    });
    expect(parseImageReference(`ghcr.io/org/bot@${digest}`)).toEqual({
      repository: 'ghcr.io/org/bot',
      digest,
    });
    expect(parseImageReference('ghcr.io/org/bot@sha256:short')).toBeUndefined();
    expect(parseImageReference('bot:has space')).toBeUndefined();
  });

  it('accepts a digest, or a tag ending in the commit SHA', () => {
    expect(checkImageReference(`ghcr.io/org/bot@${digest}`, commit).digest).toBe(digest);
    expect(checkImageReference('ghcr.io/org/bot:3f9a2c1', commit).tag).toBe('3f9a2c1');
    expect(checkImageReference(`ghcr.io/org/bot:v1.4-${commit}`, commit).tag).toBe(`v1.4-${commit}`);
  });

  it('refuses reusable tags: none, latest, a version, another commit, a SHA in the middle', () => {
    for (const image of [
      'ghcr.io/org/bot',
      'ghcr.io/org/bot:latest',
      'ghcr.io/org/bot:v1.4',
      'ghcr.io/org/bot:9f2c1e7a4b5d',
      'ghcr.io/org/bot:3f9a2c1-dev',
      'ghcr.io/org/bot:latest-3f9a2c1',
      'ghcr.io/org/bot:3f9a2c',
    ]) {
      expect(() => checkImageReference(image, commit), image).toThrow(
        /has neither a digest nor a tag ending in the commit SHA/,
      );
    }
    expect(() => checkImageReference('not an image', commit)).toThrow(/is not an image reference/);
  });
});
