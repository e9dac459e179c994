import { AirlockError } from './errors.ts';

/** A container image reference, split: `registry/repo[:tag][@sha256:…]`. */
export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Splits an image reference; undefined when it is not one. */
export function parseImageReference(reference: string): ImageReference | undefined {
  const at = reference.indexOf('@');
  const digest = at === -1 ? undefined : reference.slice(at + 1);
  if (digest !== undefined && !digestPattern.test(digest)) return undefined;
  const named = at === -1 ? reference : reference.slice(0, at);
  // A colon after the last slash starts the tag; one before it is a registry port.
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const repository = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  if (repository === '' || /\s/.test(repository) || (tag !== undefined && !tagPattern.test(tag)))
    return undefined;
  return { repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/**
 * Refuses an image reference that could name different bytes tomorrow (seed 002's "registry image
 * tag collision"): it must carry a content digest (`…@sha256:…`), or a tag ending in the commit's
 * SHA (at least its first 7 characters, e.g. `bot:3f9a2c1` or `bot:v1.4-3f9a2c1e`). `latest` and
 * other reusable tags are refused whatever they end with.
 */
export function checkImageReference(reference: string, commit: string): ImageReference {
  const parsed = parseImageReference(reference);
  if (parsed === undefined) {
    throw new AirlockError(
      'INVALID_INPUT',
      `"${reference}" is not an image reference (expected registry/repository:tag or …@sha256:<64 hex>)`,
    );
  }
  if (parsed.digest !== undefined) return parsed;
  const sha = commit.toLowerCase();
  const suffix = parsed.tag?.toLowerCase().match(/[0-9a-f]{7,64}$/)?.[0];
  const tagged = suffix !== undefined && sha.startsWith(suffix) && !/latest/i.test(parsed.tag ?? '');
  if (!tagged) {
    throw new AirlockError(
      'INVALID_INPUT',
      `image "${reference}" has neither a digest nor a tag ending in the commit SHA; a reusable tag can be overwritten under production (use …:${sha.slice(0, 12)} or …@sha256:<digest>)`,
      { context: { image: reference, commit } },
    );
  }
  return parsed;
}
