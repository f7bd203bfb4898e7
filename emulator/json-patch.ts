/**
 * The JSON Patch subset Flow Service accepts on PATCH: `add`, `replace`, `remove` (any casing:
 * docs send lowercase, the spec enum is uppercase, aepp sends `Add`). Anything else is refused with
 * the codes of Flow Service's error catalog. Pure: works on a deep copy.
 */

export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

export class PatchError extends Error {
  constructor(
    /** `1434-400` unsupported op, `1365-400` bad/read-only path, `1455-400` missing field. */
    readonly code: '1434-400' | '1365-400' | '1455-400',
    message: string,
  ) {
    super(message);
    this.name = 'PatchError';
  }
}

type Json = Record<string, unknown> | unknown[];

function parsePointer(path: string): string[] {
  if (!path.startsWith('/')) {
    throw new PatchError('1365-400', `The path ${path} provided in ops is invalid.`);
  }
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function applyPatch<T extends Record<string, unknown>>(doc: T, ops: readonly PatchOp[]): T {
  const copy = structuredClone(doc);
  for (const { op, path, value } of ops) {
    const kind = op.toLowerCase();
    if (kind !== 'add' && kind !== 'replace' && kind !== 'remove') {
      throw new PatchError(
        '1434-400',
        `Unsupported operation '${op}' received. Please use one of the supported operation types and try again.`,
      );
    }
    const parts = parsePointer(path);
    const last = parts.pop();
    if (last === undefined || last === '') {
      throw new PatchError('1365-400', `The path ${path} provided in ops is invalid.`);
    }
    let parent: unknown = copy;
    for (const part of parts) {
      parent = child(parent, part);
      if (parent === undefined) throw missing(path, part);
    }
    if (parent === null || typeof parent !== 'object') throw missing(path, last);
    const container = parent as Json;
    if (Array.isArray(container)) {
      const index = last === '-' ? container.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > container.length)
        throw missing(path, last);
      if (kind === 'add') container.splice(index, 0, value);
      else if (index >= container.length) throw missing(path, last);
      else if (kind === 'replace') container[index] = value;
      else container.splice(index, 1);
    } else {
      const exists = Object.hasOwn(container, last);
      if (kind !== 'add' && !exists) throw missing(path, last);
      if (kind === 'remove') delete container[last];
      else container[last] = value;
    }
  }
  return copy;
}

function child(node: unknown, key: string): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) return node[Number(key)];
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

function missing(path: string, field: string): PatchError {
  return new PatchError(
    '1455-400',
    `An error has occurred while validating patch instructions: Missing field "${field}" (path ${path}).`,
  );
}
