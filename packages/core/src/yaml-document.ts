import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { AirlockError, type SourceIssue } from './errors.ts';

export interface ParseYamlOptions<Schema extends z.ZodType> {
  /** The path shown in messages (as the user would type it). */
  file: string;
  schema: Schema;
}

type PathSegment = PropertyKey;

interface Located {
  /** The node at the path, when it exists. */
  node?: Node;
  /** The offset to point at: the node, or the nearest enclosing key when the node is missing. */
  offset: number;
  /** The offset of the key that leads to the node (`s3:` for `remote.s3`), when there is one. */
  keyOffset?: number;
}

/** Walks the YAML tree along a zod issue path, remembering the nearest position that exists. */
function locate(root: Node | null, path: readonly PathSegment[]): Located {
  let node: Node | null | undefined = root;
  let offset = root?.range?.[0] ?? 0;
  let keyOffset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return { offset };
      keyOffset = (pair.key as Node).range?.[0] ?? offset;
      offset = keyOffset;
      node = pair.value as Node | null;
      if (node?.range) offset = node.range[0];
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment] as Node | undefined;
      if (!node) return { offset };
      offset = node.range?.[0] ?? offset;
      keyOffset = offset;
    } else {
      return { offset };
    }
  }
  return { ...(node ? { node } : {}), offset, ...(keyOffset === undefined ? {} : { keyOffset }) };
}

function keyOffset(map: Node | undefined, key: string): number | undefined {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
  return (pair?.key as Node | undefined)?.range?.[0];
}

interface SchemaDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;
}

/** The object keys a schema allows at a path, to say what was expected instead of an unknown key. */
function allowedKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current: z.ZodType | undefined = schema;
  let remaining = [...path];
  for (let guard = 0; current && guard < 100; guard++) {
    const def = definitionOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.in) current = def.in;
    else if (def.getter) current = def.getter();
    else if (remaining.length === 0) return def.shape ? Object.keys(def.shape) : [];
    else {
      const [segment, ...rest] = remaining;
      remaining = rest;
      current = def.shape ? def.shape[String(segment)] : (def.element ?? def.valueType);
    }
  }
  return [];
}

function dottedPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text === '' ? String(segment) : `${text}.${String(segment)}`;
  }, '');
}

function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** zod's message, without its generic "Invalid input:" opening (the path already says where). */
function describeZodMessage(text: string): string {
  const plain = text.replace(/^Invalid (?:input|option|value|type):\s*/, '');
  return plain.charAt(0).toLowerCase() + plain.slice(1);
}

/**
 * Parses YAML text and validates it with a zod schema. Every problem — a syntax error, an unknown
 * key, a wrong type, a missing field — becomes one `SourceIssue` at the line and column where it is,
 * and all of them are thrown together as one INVALID_INPUT error. Nothing is returned half-valid.
 */
export function parseYamlDocument<Schema extends z.ZodType>(
  text: string,
  options: ParseYamlOptions<Schema>,
): z.output<Schema> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, message: string): SourceIssue => {
    const position = lineCounter.linePos(offset);
    return { file: options.file, line: position.line, column: position.col, message };
  };
  const fail = (issues: SourceIssue[]): never => {
    const noun = issues.length === 1 ? 'problem' : 'problems';
    throw new AirlockError('INVALID_INPUT', `${options.file}: ${issues.length} ${noun}`, {
      issues,
      context: { file: options.file },
    });
  };

  if (document.errors.length > 0) {
    fail(document.errors.map((error) => at(error.pos[0], `invalid YAML: ${error.message.split('\n')[0]}`)));
  }

  const value = document.toJS({ maxAliasCount: 100 }) as unknown;
  const result = options.schema.safeParse(value ?? {});
  if (result.success) return result.data;

  const root = document.contents as Node | null;
  // One problem per place: a list given where a string belongs is "expected string", not also "too short".
  const seen = new Set<string>();
  const firstPerPath = result.error.issues.filter((issue) => {
    const key = `${issue.code === 'unrecognized_keys' ? 'keys' : 'value'}:${dottedPath(issue.path)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const issues = firstPerPath.map((issue): SourceIssue => {
    const where = dottedPath(issue.path);
    const inField = where === '' ? 'at the top level' : `in ${where}`;
    if (issue.code === 'unrecognized_keys') {
      const map = locate(root, issue.path);
      const expected = allowedKeys(options.schema, issue.path);
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      const hint = expected.length > 0 ? ` (expected one of: ${expected.join(', ')})` : '';
      const offset = keyOffset(map.node, issue.keys[0] ?? '') ?? map.offset;
      return at(offset, `unknown key ${keys} ${inField}${hint}`);
    }
    if (issue.code === 'invalid_type' && valueAt(value, issue.path) === undefined && issue.path.length > 0) {
      const parentPath = issue.path.slice(0, -1);
      const parent = dottedPath(parentPath);
      const key = String(issue.path.at(-1));
      const parentNode = locate(root, parentPath);
      return at(
        parentNode.keyOffset ?? parentNode.offset,
        `missing required key "${key}"${parent === '' ? '' : ` in ${parent}`} (expected ${issue.expected})`,
      );
    }
    if (issue.code === 'invalid_key' && issue.path.length > 0) {
      // A record key that fails its own rule: point at the key and say what the rule wanted.
      const key = String(issue.path.at(-1));
      const parent = locate(root, issue.path.slice(0, -1));
      const inner = issue.issues[0]?.message;
      return at(
        keyOffset(parent.node, key) ?? parent.offset,
        `key "${key}"${issue.path.length > 1 ? ` in ${dottedPath(issue.path.slice(0, -1))}` : ''}: ${inner ? describeZodMessage(inner) : 'not allowed'}`,
      );
    }
    const located = locate(root, issue.path);
    const message = describeZodMessage(issue.message);
    return at(located.offset, where === '' ? message : `${where}: ${message}`);
  });
  return fail(issues.sort((a, b) => a.line - b.line || a.column - b.column));
}

/**
 * Where a path points in YAML text (1-based line and column), for messages about a valid file:
 * the value at the path, or the nearest enclosing key when the path is not there.
 */
export function yamlPositionOf(text: string, path: readonly PropertyKey[]): { line: number; column: number } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const { offset } = locate(document.contents as Node | null, path);
  const position = lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}
