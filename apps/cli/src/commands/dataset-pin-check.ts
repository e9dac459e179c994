import { existsSync } from 'node:fs';
import { isAirlockError } from '@airlock/core';
import { pinPathFor } from '@airlock/datasets';
import type { CommandContext } from '../context.ts';

/**
 * Policy lint's dataset check, from the datasets package: a dataset with a pin file must be
 * exactly its pin. (The registry does not depend on datasets; the CLI joins them here.)
 */
export function datasetPinCheck(
  context: CommandContext,
): (absolutePath: string) => Promise<string | undefined> {
  return async (absolutePath) => {
    const pinFile = pinPathFor(absolutePath);
    if (!existsSync(pinFile)) return undefined;
    try {
      await context.datasets().requireUnchanged(pinFile);
      return undefined;
    } catch (error) {
      if (isAirlockError(error)) return error.message;
      throw error;
    }
  };
}
