/** One data row and where it is (1-based line), or why it could not be read. */
export type Row =
  | { line: number; raw: string; value: Record<string, unknown> }
  | { line: number; raw: string; error: string };

/** JSONL: one JSON object per line; blank lines are skipped. */
export function parseJsonl(text: string): Row[] {
  const rows: Row[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    const line = index + 1;
    try {
      const value: unknown = JSON.parse(raw);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        rows.push({ line, raw, error: 'expected a JSON object' });
      } else {
        rows.push({ line, raw, value: value as Record<string, unknown> });
      }
    } catch (error) {
      rows.push({ line, raw, error: `not JSON: ${(error as Error).message}` });
    }
  });
  return rows;
}
