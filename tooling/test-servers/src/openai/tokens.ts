import { countTokens, decode, encode } from 'gpt-tokenizer/encoding/o200k_base';

export interface ChatMessageLike {
  role: string;
  content?: unknown;
  name?: string;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join('');
  }
  return '';
}

/** The text of the last user message (what reply rules match against). */
export function lastUserText(messages: readonly ChatMessageLike[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message?.role === 'user') return textOf(message.content);
  }
  return '';
}

/**
 * Prompt tokens as OpenAI counts them for chat models (o200k_base): each message costs its
 * content and role plus 3 tokens of framing, a name 1 more, and the reply is primed with 3.
 */
export function countPromptTokens(messages: readonly ChatMessageLike[]): number {
  let total = 3;
  for (const message of messages) {
    total += 3 + countTokens(message.role) + countTokens(textOf(message.content));
    if (message.name) total += 1 + countTokens(message.name);
  }
  return total;
}

/** Tokens of a completion's text. */
export function countTextTokens(text: string): number {
  return countTokens(text);
}

/**
 * The text cut into its tokens, so a stream sends one token per chunk as a real server does. A
 * token that ends inside a multi-byte character is held back until the character is complete.
 */
export function splitIntoTokens(text: string): string[] {
  const pieces: string[] = [];
  let pending: number[] = [];
  for (const token of encode(text)) {
    pending.push(token);
    const piece = decode(pending);
    if (piece.endsWith('\uFFFD')) continue;
    pieces.push(piece);
    pending = [];
  }
  if (pending.length > 0) pieces.push(decode(pending));
  return pieces;
}
