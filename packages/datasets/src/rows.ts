import { parseJsonl, type Row } from '@airlock/core';

export { parseJsonl, type Row };

/** Splits CSV text into records of fields (RFC 4180: quotes, doubled quotes, newlines in quotes). */
function csvRecords(text: string): { line: number; fields: string[]; raw: string }[] {
  const records: { line: number; fields: string[]; raw: string }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '')
        records.push({ line: startLine, fields, raw: text.slice(start, index) });
      fields = [];
      field = '';
      line++;
      startLine = line;
      start = index + 1;
    } else field += char;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: startLine, fields, raw: text.slice(start) });
  }
  return records;
}

/** CSV with a header row: each record becomes an object of strings keyed by the header. */
export function parseCsv(text: string): Row[] {
  const [header, ...records] = csvRecords(text);
  if (!header) return [];
  return records.map((record) => {
    if (record.fields.length !== header.fields.length) {
      return {
        line: record.line,
        raw: record.raw,
        error: `expected ${header.fields.length} fields (as the header), found ${record.fields.length}`,
      };
    }
    const value: Record<string, unknown> = {};
    header.fields.forEach((name, index) => {
      value[name] = record.fields[index];
    });
    return { line: record.line, raw: record.raw, value };
  });
}

/** The data format a file name implies. */
export function formatOf(path: string): 'jsonl' | 'csv' | 'other' {
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'csv';
  return 'other';
}

export function parseRows(path: string, text: string): Row[] {
  return formatOf(path) === 'csv' ? parseCsv(text) : parseJsonl(text);
}
