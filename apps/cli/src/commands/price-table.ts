import { relative, resolve } from 'node:path';
import { loadPriceTable, type PriceTable } from '@airlock/cost';
import type { OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';

/** `--prices <file>`: a price override file for this command. */
export const pricesOption = {
  prices: {
    type: 'string',
    valueName: 'file',
    description: 'a price override file (default: prices.overrides in airlock.yaml)',
  },
} as const;

/** The override file (from --prices or airlock.yaml) over the bundled data. */
export function priceTable(context: CommandContext, options: OptionValues): PriceTable {
  const file =
    typeof options.prices === 'string'
      ? resolve(context.io.cwd, options.prices)
      : context.config().priceOverrides;
  if (file === undefined) return loadPriceTable();
  const display =
    typeof options.prices === 'string' ? options.prices : relative(context.io.cwd, file) || file;
  return loadPriceTable({ overridesFile: file, display });
}
