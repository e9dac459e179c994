import { AirlockError } from '@airlock/core';

/** One chat message of a prompt; `content` may hold `{{variables}}`. */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const variablePattern = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

/** The variables a prompt's messages use, in first-use order. */
export function promptVariables(messages: readonly PromptMessage[]): string[] {
  const names: string[] = [];
  for (const message of messages) {
    for (const match of message.content.matchAll(variablePattern)) {
      const name = match[1] ?? '';
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Names a prompt needs that `vars` does not supply (all of them, not just the first). */
export function missingVariables(
  messages: readonly PromptMessage[],
  vars: Record<string, unknown>,
): string[] {
  return promptVariables(messages).filter((name) => vars[name] === undefined || vars[name] === null);
}

/**
 * Fills every `{{name}}`. A missing variable is never rendered as empty text: all missing names
 * are reported together, so one run shows everything to fix.
 */
export function renderMessages(
  messages: readonly PromptMessage[],
  vars: Record<string, unknown>,
  subject = 'the prompt',
): PromptMessage[] {
  const missing = missingVariables(messages, vars);
  if (missing.length > 0) {
    throw new AirlockError(
      'INVALID_INPUT',
      `${subject} needs ${missing.map((name) => `{{${name}}}`).join(', ')}`,
      {
        context: { missing },
      },
    );
  }
  return messages.map((message) => ({
    role: message.role,
    content: message.content.replace(variablePattern, (_whole, name: string) => {
      const value = vars[name];
      return typeof value === 'string' ? value : JSON.stringify(value);
    }),
  }));
}
