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

const month = '(?:0[1-9]|1[0-2])';
const day = '(?:0[1-9]|[12]\\d|3[01])';

// Snapshot suffixes providers use for immutable versions, most specific first. Dates must be
// real months and days: `gpt-4o-2024` (a year) or `-2024-99-99` are not snapshots.
const snapshotPatterns: RegExp[] = [
  new RegExp(`^(?<family>.+)-(?<snapshot>\\d{4}-${month}-${day})$`), // OpenAI: gpt-4o-2024-11-20
  new RegExp(`^(?<family>.+)[-@](?<snapshot>\\d{4}${month}${day})$`), // Anthropic: …-20241022, Vertex: …@20240620
  /^(?<family>.+)-(?<snapshot>v\d+:\d+)$/, // Bedrock: anthropic.claude-v2:1 (the :revision pins it)
  new RegExp(`^(?<family>.+)-(?<snapshot>${month}${day}(?:-preview)?)$`), // OpenAI MMDD: gpt-4-0613, gpt-4-1106-preview
  /^(?<family>.+)-(?<snapshot>\d{3})$/, // Gemini revisions: gemini-1.5-pro-002
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
  // An OpenAI fine-tune (`ft:<base>:<org>:<suffix>:<id>`) is trained once and never changes.
  const fineTune = /^ft:(?<base>[^:]+):[^:]*:[^:]*:(?<id>[A-Za-z0-9]+)$/.exec(name);
  if (fineTune?.groups) {
    const { base = name, id = '' } = fineTune.groups;
    return { id: text, provider, name, family: `ft:${base}`, snapshot: id, pinned: true };
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

/** `chatgpt-4o` is served as `gpt-4o`: the chat- prefix names the same family. */
function baseFamily(family: string): string {
  return family.toLowerCase().replace(/^chat(?=gpt)/, '');
}

/** Whether `candidate` is a pinned alternative for a floating `wanted`: the same model family. */
export function isSameFamily(wanted: ModelRef, candidate: ModelRef): boolean {
  return baseFamily(wanted.family) === baseFamily(candidate.family);
}
