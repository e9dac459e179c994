import { AirlockError } from './errors.ts';

/**
 * Parses a JSON document. A syntax error is INVALID_INPUT with one issue at `file:line:col`
 * (Node reports a character position; people and editors want lines).
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
    const before = text.slice(0, offset).split('\n');
    throw new AirlockError('INVALID_INPUT', `${file}: not JSON`, {
      issues: [
        {
          file,
          line: before.length,
          column: (before.at(-1)?.length ?? 0) + 1,
          message: `not JSON: ${message.replace(/ in JSON at .*$/, '')}`,
        },
      ],
    });
  }
}
