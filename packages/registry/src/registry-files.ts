import { readFileSync } from 'node:fs';
import { AirlockError, parseYamlDocument } from '@airlock/core';
import { z } from 'zod';
import { type ModelFile, modelFileSchema, type PromptFile, promptFileSchema } from './files.ts';

export type RegistryFile =
  | { kind: 'model'; file: string; model: ModelFile }
  | { kind: 'prompt'; file: string; prompt: PromptFile };

const kindProbe = z.looseObject({ kind: z.enum(['model', 'prompt']).optional() });

/**
 * Reads a model or prompt file: `kind:` decides, else the keys do (`template`/`messages` make a
 * prompt, `id` a model). Validation is then against that one format, so errors are precise.
 */
export function readRegistryFile(path: string, display: string = path): RegistryFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AirlockError('NOT_FOUND', `${display}: no such file`);
    throw error;
  }
  const probe = parseYamlDocument(text, { file: display, schema: kindProbe }) as Record<string, unknown>;
  const kind =
    probe.kind ??
    ('template' in probe || 'messages' in probe ? 'prompt' : 'id' in probe ? 'model' : undefined);
  if (kind === 'prompt')
    return {
      kind,
      file: display,
      prompt: parseYamlDocument(text, { file: display, schema: promptFileSchema }),
    };
  if (kind === 'model')
    return {
      kind,
      file: display,
      model: parseYamlDocument(text, { file: display, schema: modelFileSchema }),
    };
  throw new AirlockError('INVALID_INPUT', `${display}: not a model or prompt file`, {
    issues: [
      {
        file: display,
        line: 1,
        column: 1,
        message: 'expected kind: model (with id) or kind: prompt (with name and template or messages)',
      },
    ],
  });
}
