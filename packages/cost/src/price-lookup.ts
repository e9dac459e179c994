import { AirlockError, editDistance } from '@airlock/core';
import type { PriceEntry, PriceTable } from './prices.ts';

/** Tables tried in order (an override file first, then the bundled data). */
export function layeredPriceTable(tables: readonly PriceTable[]): PriceTable {
  return {
    asOf: tables.map((table) => table.asOf).join(', '),
    source: tables.map((table) => table.source).join(' + '),
    lookup: (id) => {
      for (const table of tables) {
        const entry = table.lookup(id);
        if (entry) return entry;
      }
      return undefined;
    },
    ids: () => [...new Set(tables.flatMap((table) => table.ids()))].sort(),
  };
}

/** The table's ids closest to `id` (same provider first), for the "did you mean" line. */
export function closeIds(table: PriceTable, id: string, count = 5): string[] {
  const provider = id.slice(0, id.indexOf('/') + 1);
  return table
    .ids()
    .map((candidate) => ({
      candidate,
      distance: editDistance(id, candidate) + (candidate.startsWith(provider) ? 0 : 10),
    }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map((item) => item.candidate);
}

/** A model's prices, or NOT_FOUND naming close ids: never a silent zero. */
export function requirePrice(table: PriceTable, id: string): PriceEntry {
  const entry = table.lookup(id);
  if (entry) return entry;
  const close = closeIds(table, id);
  throw new AirlockError(
    'NOT_FOUND',
    `no price for ${id} in ${table.source}${close.length > 0 ? `; close ids: ${close.join(', ')}` : ''}; a private or negotiated price goes in a price override file`,
    { context: { id, close } },
  );
}
