import { AirlockError, canonicalJson, checkImageReference, sha256Hex } from '@airlock/core';
import type { FeatureManifest } from './files.ts';
import { parseModelId } from './model-id.ts';

/**
 * The deployable unit: everything one feature's release is made of, so promote, canary and
 * rollback act on all of it together (seed 004: never the prompt without the code).
 */
export interface Release {
  /** Human-readable: `model/provider-version/prompt-version`, e.g. `gpt-4o/2024-11-20/v3` (seed 000). */
  id: string;
  /** SHA-256 of the canonical JSON of everything below: the release's identity. */
  digest: string;
  feature: string;
  riskTier: FeatureManifest['risk_tier'];
  model: string;
  fallbackModel?: string;
  prompt: { name: string; version: number; sha256: string };
  commit: string;
  image: string;
  datasets: { name: string; sha256: string }[];
  evalSuites: { name: string; sha256: string }[];
}

export interface ReleaseInput {
  manifest: FeatureManifest;
  commit: string;
  image: string;
  promptSha256: string;
  datasets: { name: string; sha256: string }[];
  evalSuites: { name: string; sha256: string }[];
}

// The full SHA (SHA-1 or SHA-256 repositories): an abbreviation would give one release two digests.
const commitPattern = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Splits `name@3` into its parts. */
export function parsePromptRef(ref: string): { name: string; version: number } {
  const at = ref.lastIndexOf('@');
  const version = Number(ref.slice(at + 1));
  if (at <= 0 || !Number.isInteger(version) || version < 1) {
    throw new AirlockError(
      'INVALID_INPUT',
      `"${ref}" is not a prompt version: expected name@version, e.g. support-answer@3`,
    );
  }
  return { name: ref.slice(0, at), version };
}

/**
 * The build a release names: a full commit SHA, and an image that is a digest or a tag ending in
 * that commit. Returns the commit in lower case.
 */
export function checkBuild(commitText: string, image: string): string {
  const commit = commitText.toLowerCase();
  if (!commitPattern.test(commit)) {
    throw new AirlockError(
      'INVALID_INPUT',
      `commit "${commitText}" is not a full git SHA (40 hex characters; git rev-parse HEAD prints it)`,
    );
  }
  checkImageReference(image, commit);
  return commit;
}

/** A release's human-readable id (seed: model/provider-version/prompt-version, e.g. gpt-4o/2024-11-20/v3). */
export function releaseIdOf(manifest: Pick<FeatureManifest, 'model' | 'prompt'>): string {
  const model = parseModelId(manifest.model);
  return `${model.family}/${model.snapshot ?? model.name}/v${parsePromptRef(manifest.prompt).version}`;
}

/**
 * Computes a release from a manifest, the commit and the image built from it. The image must be
 * a digest or a tag ending in the commit SHA (seed 002: a reused tag overwrites what production runs).
 */
export function computeRelease(input: ReleaseInput): Release {
  const commit = checkBuild(input.commit, input.image);
  const model = parseModelId(input.manifest.model);
  if (!model.pinned) {
    throw new AirlockError(
      'INVALID_INPUT',
      `${model.id} is a floating alias; a release pins a model snapshot`,
    );
  }
  const prompt = parsePromptRef(input.manifest.prompt);
  const body = {
    feature: input.manifest.feature,
    riskTier: input.manifest.risk_tier,
    model: model.id,
    ...(input.manifest.fallback_model === undefined ? {} : { fallbackModel: input.manifest.fallback_model }),
    prompt: { ...prompt, sha256: input.promptSha256 },
    commit,
    image: input.image,
    datasets: [...input.datasets].sort((a, b) => a.name.localeCompare(b.name)),
    evalSuites: [...input.evalSuites].sort((a, b) => a.name.localeCompare(b.name)),
  };
  const id = releaseIdOf(input.manifest);
  return { id, digest: sha256Hex(canonicalJson(body)), ...body };
}
