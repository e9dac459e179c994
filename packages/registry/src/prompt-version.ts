import { digestOf } from '@airlock/core';
import type { z } from 'zod';
import type { PromptFile, promptParametersSchema } from './files.ts';
import type { PromptMessage } from './prompt-template.ts';

/** Model parameters pinned with a prompt version (temperature, max_tokens, …). */
export type PromptParameters = z.output<typeof promptParametersSchema>;

/** A prompt file's content in its one stored form: a template becomes a single user message. */
export interface PromptContent {
  name: string;
  description?: string;
  messages: PromptMessage[];
  parameters: PromptParameters;
}

export function promptContent(file: PromptFile): PromptContent {
  const messages: PromptMessage[] = file.messages ?? [{ role: 'user', content: file.template ?? '' }];
  return {
    name: file.name,
    ...(file.description === undefined ? {} : { description: file.description }),
    messages,
    parameters: file.parameters,
  };
}

/**
 * The content hash that identifies a prompt version: what is sent to the model (messages and
 * parameters), not the description, so rewording a description is not a new version.
 */
export function promptDigest(content: PromptContent): string {
  return digestOf({ name: content.name, messages: content.messages, parameters: content.parameters });
}
