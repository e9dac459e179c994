import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeRelease, featureManifestSchema } from '@airlock/registry';

/** A 40-character commit SHA made of one digit, so release n is easy to spot in output. */
export const commitOf = (n: number) => `${n}`.repeat(40).slice(0, 40);

/**
 * Writes `release-<n>.json` as `airlock registry release --out` would (feature support-bot, prompt
 * version n, image tagged with commit n) and returns its name.
 */
export function writeReleaseFile(cwd: string, n: number): string {
  const manifest = featureManifestSchema.parse({
    feature: 'support-bot',
    risk_tier: 'medium',
    model: 'openai/gpt-4o-2024-11-20',
    prompt: `support-answer@${n}`,
  });
  const release = computeRelease({
    manifest,
    commit: commitOf(n),
    image: `ghcr.io/org/bot:${commitOf(n).slice(0, 12)}`,
    promptSha256: `${n}`.repeat(64),
    datasets: [],
    evalSuites: [],
  });
  const file = `release-${n}.json`;
  writeFileSync(join(cwd, file), JSON.stringify(release, null, 2));
  return file;
}
