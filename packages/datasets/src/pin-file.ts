import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { AirlockError, parseYamlDocument, writeFileAtomic } from '@airlock/core';
import { z } from 'zod';

/** `<data>.pin.yaml`, committed to git beside the data (which stays out of git). */
export const pinFileSchema = z.strictObject({
  name: z.string().min(1),
  /**
   * The data: a file or folder beside the pin file (a folder ends in /). Never a path with
   * folders in it, `..` or an absolute path: a pin file is committed and shared, and must not be
   * able to make checkout or pull write anywhere else.
   */
  path: z
    .string()
    .regex(
      /^(?!\.\.?\/?$)[^/\\]+\/?$/,
      'expected the name of a file or folder beside this pin file (no / or ..)',
    ),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest (64 lowercase hex characters)'),
  size: z.number().int().min(0),
  files: z.number().int().min(1),
  rows: z.number().int().min(0).optional(),
  format: z.enum(['jsonl', 'csv', 'directory', 'other']),
  pinned_at: z.string(),
  pinned_by: z.string(),
});

export type PinFile = z.output<typeof pinFileSchema>;

/** Where the pin of a file or folder lives: `data.jsonl` → `data.jsonl.pin.yaml`, `data/` → `data.pin.yaml`. */
export function pinPathFor(dataPath: string): string {
  return `${dataPath.replace(/[/\\]+$/, '')}.pin.yaml`;
}

export function readPinFile(path: string, display: string = path): PinFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AirlockError(
      'NOT_FOUND',
      code === 'ENOENT'
        ? `${display}: no such pin file (airlock dataset pin <data> writes one)`
        : `${display}: cannot read (${code})`,
      { context: { path } },
    );
  }
  return parseYamlDocument(text, { file: display, schema: pinFileSchema });
}

export function writePinFile(path: string, pin: PinFile): void {
  const lines = [
    `# Airlock dataset pin for ${basename(pin.path)}: commit this file; the bytes live in the`,
    '# cache and the remote (airlock dataset push / pull / checkout).',
    `name: ${JSON.stringify(pin.name)}`,
    `path: ${JSON.stringify(pin.path)}`,
    `sha256: ${pin.sha256}`,
    `size: ${pin.size}`,
    `files: ${pin.files}`,
    ...(pin.rows === undefined ? [] : [`rows: ${pin.rows}`]),
    `format: ${pin.format}`,
    `pinned_at: ${JSON.stringify(pin.pinned_at)}`,
    `pinned_by: ${JSON.stringify(pin.pinned_by)}`,
    '',
  ];
  writeFileAtomic(path, lines.join('\n'));
}
