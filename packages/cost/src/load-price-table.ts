import { readYamlFile } from '@airlock/core';
import { createBundledPriceTable } from './bundled-prices.ts';
import { overridePriceTable, priceOverrideFileSchema } from './override-file.ts';
import { layeredPriceTable } from './price-lookup.ts';
import type { PriceTable } from './prices.ts';

/**
 * The prices a project uses: its override file, when it has one (read and validated here, with
 * path:line:col errors), over the bundled data. The one place that reads a file in this package.
 */
export function loadPriceTable(options: { overridesFile?: string; display?: string } = {}): PriceTable {
  const bundled = createBundledPriceTable();
  if (options.overridesFile === undefined) return bundled;
  const file = readYamlFile(
    options.overridesFile,
    priceOverrideFileSchema,
    options.display ?? options.overridesFile,
  );
  return layeredPriceTable([overridePriceTable(file), bundled]);
}
