import { AirlockError } from '@airlock/core';

/** A model id split into its parts: `openai/gpt-4o-2024-11-20` → provider, name, family, snapshot. */
export interface ModelRef {
  /** `provider/name` */
  id: string;
  provider: string;
  name: string;
  /** The name without its snapshot (`gpt-4o`): pinned snapshots of one family are alternatives. */
  family: string;
  /** The snapshot part (`2024-11-20`, `20241022`, `0613`, `002`, `v2:0`), when pinned. */
  snapshot?: string;
  pinned: boolean;
}

// Snapshot suffixes providers use for immutable versions, most specific first.
const snapshotPatterns: RegExp[] = [
  /^(?<family>.+)-(?<snapshot>\d{4}-\d{2}-\d{2})$/, // OpenAI: gpt-4o-2024-11-20
  /^(?<family>.+)[-@](?<snapshot>\d{8})$/, // Anthropic: claude-3-5-sonnet-20241022, Vertex: …@20240620
  /^(?<family>.+)-(?<snapshot>v\d+(?::\d+)?)$/, // Bedrock: anthropic.claude-v2:1
  /^(?<family>.+)-(?<snapshot>\d{3,4})$/, // OpenAI MMDD: gpt-4-0613; Gemini: gemini-1.5-pro-002
];

const providerPattern = /^[a-z][a-z0-9-]*$/;
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/**
 * Parses `provider/model`. A name is pinned when it ends in a provider snapshot (a date, a
 * numbered revision) and mentions no `latest`; anything else floats (`gpt-4o`, `gpt-4o-latest`,
 * `chatgpt-4o-latest`, `latest`) and may change under you.
 */
export function parseModelId(text: string): ModelRef {
  const slash = text.indexOf('/');
  const provider = slash > 0 ? text.slice(0, slash) : '';
  const name = slash > 0 ? text.slice(slash + 1) : '';
  if (!providerPattern.test(provider) || !namePattern.test(name)) {
    throw new AirlockError(
      'INVALID_INPUT',
      `"${text}" is not a model id: expected provider/model-snapshot, e.g. openai/gpt-4o-2024-11-20`,
    );
  }
  const floating = /(^|[-_.:@])latest($|[-_.:@])/i.test(name);
  const stripped = name.replace(/[-_.:@]?latest$/i, '').replace(/^latest[-_.:@]?/i, '');
  if (!floating) {
    for (const pattern of snapshotPatterns) {
      const match = pattern.exec(name);
      if (match?.groups) {
        const { family = name, snapshot } = match.groups;
        return { id: text, provider, name, family, ...(snapshot ? { snapshot } : {}), pinned: true };
      }
    }
  }
  return { id: text, provider, name, family: stripped === '' ? name : stripped, pinned: false };
}

/**
 * Whether `candidate` is a pinned alternative for a floating `wanted` family: the same family, or
 * one family containing the other (`chatgpt-4o` ↔ `gpt-4o`).
 */
export function isSameFamily(wanted: ModelRef, candidate: ModelRef): boolean {
  const a = wanted.family.toLowerCase();
  const b = candidate.family.toLowerCase();
  return a === b || (a.length >= 4 && b.includes(a)) || (b.length >= 4 && a.includes(b));
}
