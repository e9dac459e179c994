import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AirlockError, canonicalJson, parseYamlDocument, sha256Hex } from '@airlock/core';
import type { DeployState, ReleaseRef } from '@airlock/deploy-state';
import { type Release, riskTiers } from '@airlock/registry';
import { z } from 'zod';
import type { CommandContext } from '../context.ts';
import { releaseFromManifest } from './manifest-release.ts';

/** What `deploy record` records: the release and the build that carries it. */
export interface ReleaseToRecord {
  release: ReleaseRef;
  commit: string;
  image: string;
}

const digests = z.array(z.strictObject({ name: z.string(), sha256: z.string() }));
const releaseFileSchema = z.strictObject({
  id: z.string(),
  digest: z.string(),
  feature: z.string(),
  riskTier: z.enum(riskTiers),
  model: z.string(),
  fallbackModel: z.string().optional(),
  prompt: z.strictObject({ name: z.string(), version: z.number(), sha256: z.string() }),
  commit: z.string(),
  image: z.string(),
  datasets: digests,
  evalSuites: digests,
});

/** What deploy state keeps of a release. */
export function refOf(release: Release): ReleaseRef {
  return {
    id: release.id,
    digest: release.digest,
    feature: release.feature,
    model: release.model,
    ...(release.fallbackModel === undefined ? {} : { fallbackModel: release.fallbackModel }),
    prompt: release.prompt,
  };
}

function sameOrMissing(flag: string, given: unknown, recorded: string, source: string): void {
  if (typeof given === 'string' && given !== recorded) {
    throw new AirlockError(
      'INVALID_INPUT',
      `--${flag} ${given} differs from ${source}'s ${flag} ${recorded}`,
    );
  }
}

/** A release file written by `airlock registry release --out`, checked against its own digest. */
function releaseFromFile(path: string, display: string): Release {
  // JSON is YAML: the YAML reader locates a problem at line:column and names the field.
  const checked = parseYamlDocument(readFileSync(path, 'utf8'), { file: display, schema: releaseFileSchema });
  const { id, digest, fallbackModel, ...rest } = checked;
  const body = { ...rest, ...(fallbackModel === undefined ? {} : { fallbackModel }) };
  if (sha256Hex(canonicalJson(body)) !== digest) {
    throw new AirlockError(
      'INVALID_INPUT',
      `${display}: its content does not hash to its digest ${digest.slice(0, 12)}…: the file was edited after it was computed`,
    );
  }
  return { id, digest, ...body };
}

/**
 * Resolves `--release`: a feature manifest (`.yaml`, computed after policy lint with --commit and
 * --image), a release file (`.json` from `registry release --out`), or the id or digest of a
 * release already recorded in this environment (redeploying it).
 */
export async function resolveRelease(
  context: CommandContext,
  value: string,
  options: { commit?: unknown; image?: unknown },
  state: DeployState | undefined,
): Promise<ReleaseToRecord> {
  const path = resolve(context.io.cwd, value);
  if (/\.ya?ml$/i.test(value)) {
    if (typeof options.commit !== 'string' || typeof options.image !== 'string') {
      throw new AirlockError('INVALID_INPUT', '--commit and --image are required with a manifest');
    }
    const release = await releaseFromManifest(context, value, {
      commit: options.commit,
      image: options.image,
    });
    return { release: refOf(release), commit: release.commit, image: release.image };
  }
  if (/\.json$/i.test(value)) {
    if (!existsSync(path)) throw new AirlockError('NOT_FOUND', `${value}: no such file`);
    const release = releaseFromFile(path, value);
    sameOrMissing('commit', options.commit, release.commit, value);
    sameOrMissing('image', options.image, release.image, value);
    return { release: refOf(release), commit: release.commit, image: release.image };
  }
  const matches = [...(state?.history ?? [])]
    .reverse()
    .filter(
      (entry) => entry.release.id === value || (value.length >= 12 && entry.release.digest.startsWith(value)),
    );
  const builds = new Map(matches.map((entry) => [`${entry.release.digest} ${entry.image}`, entry]));
  if (builds.size > 1) {
    // One id (model/snapshot/vN) can name several builds: never pick one silently.
    throw new AirlockError(
      'INVALID_INPUT',
      `--release ${value} names ${builds.size} different builds recorded here; give the digest instead: ${[
        ...builds.values(),
      ]
        .map((entry) => `${entry.release.digest.slice(0, 12)} (#${entry.seq}, ${entry.image})`)
        .join(', ')}`,
    );
  }
  const recorded = matches[0];
  if (recorded === undefined) {
    throw new AirlockError(
      'NOT_FOUND',
      `--release ${value} is not a manifest (.yaml), a release file (.json), or a release recorded in this environment`,
    );
  }
  return {
    release: recorded.release,
    commit: typeof options.commit === 'string' ? options.commit : recorded.commit,
    image: typeof options.image === 'string' ? options.image : recorded.image,
  };
}
