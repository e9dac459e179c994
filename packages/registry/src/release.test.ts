import { describe, expect, it } from 'vitest';
import { featureManifestSchema } from './files.ts';
import { computeRelease, parsePromptRef } from './release.ts';

const manifest = featureManifestSchema.parse({
  feature: 'support-bot',
  risk_tier: 'high',
  model: 'openai/gpt-4o-2024-11-20',
  fallback_model: 'openai/gpt-4o-mini-2024-07-18',
  prompt: 'support-answer@3',
});
const base = {
  manifest,
  commit: '9f2c1e7a4b5d6c7e8f9a0b1c2d3e4f5a6b7c8d9e',
  image: 'ghcr.io/org/support-bot:9f2c1e7a4b5d',
  promptSha256: 'a'.repeat(64),
  datasets: [
    { name: 'golden', sha256: 'b'.repeat(64) },
    { name: 'adversarial', sha256: 'c'.repeat(64) },
  ],
  evalSuites: [{ name: 'smoke', sha256: 'd'.repeat(64) }],
};

describe('releases', () => {
  it('are named model/provider-version/prompt-version and identified by a digest', () => {
    const release = computeRelease(base);
    expect(release.id).toBe('gpt-4o/2024-11-20/v3');
    expect(release.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(release.datasets.map((dataset) => dataset.name)).toEqual(['adversarial', 'golden']);
    expect(computeRelease({ ...base, datasets: [...base.datasets].reverse() }).digest).toBe(release.digest);
    expect(computeRelease({ ...base, promptSha256: 'e'.repeat(64) }).digest).not.toBe(release.digest);
  });

  it('refuses an image tag that does not carry the commit', () => {
    expect(() => computeRelease({ ...base, image: 'ghcr.io/org/support-bot:latest' })).toThrow(
      /neither a digest nor a tag ending in the commit SHA/,
    );
    expect(() => computeRelease({ ...base, image: 'ghcr.io/org/support-bot:latest-9f2c1e7a4b5d' })).toThrow(
      /neither a digest nor a tag ending in the commit SHA/,
    );
    expect(() => computeRelease({ ...base, commit: 'main' })).toThrow(/is not a full git SHA/);
    expect(() => computeRelease({ ...base, commit: '9f2c1e7' })).toThrow(/is not a full git SHA/);
    const floating = { ...base, manifest: { ...manifest, model: 'openai/gpt-4o' } };
    expect(() => computeRelease(floating)).toThrow(/floating alias/);
  });

  it('parses prompt references', () => {
    expect(parsePromptRef('support-answer@12')).toEqual({ name: 'support-answer', version: 12 });
    expect(() => parsePromptRef('support-answer@production')).toThrow(/expected name@version/);
  });
});
