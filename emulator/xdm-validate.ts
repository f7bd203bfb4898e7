/**
 * Streaming (`syncValidation=true`) validation of an XDM entity against a schema, reported the way
 * DCS reports it: everit-style violations (`schemaLocation`, `pointerToViolation`, `keyword`,
 * `message`). Covers the checks DCS documents: type, presence (required), additionalProperties,
 * enum, pattern, format, range and length. Validation stops after `maxErrors` violations.
 */
import type { XdmField } from './types';

export interface Violation {
  schemaLocation: string;
  pointerToViolation: string;
  causingExceptions: Violation[];
  keyword: string;
  message: string;
}

const FORMATS: Record<string, { re: RegExp; label: string }> = {
  email: { re: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, label: 'email address' },
  'date-time': {
    re: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/,
    label: 'date-time',
  },
  date: { re: /^\d{4}-\d{2}-\d{2}$/, label: 'date' },
  uri: { re: /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/, label: 'uri' },
};

/** Java-ish type names, as DCS's validator prints them (`expected type: String, found: Long`). */
function foundType(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  switch (typeof value) {
    case 'string':
      return 'String';
    case 'boolean':
      return 'Boolean';
    case 'number':
      return Number.isInteger(value) ? 'Long' : 'Double';
    case 'object':
      return 'JSONObject';
    default:
      return typeof value;
  }
}

const EXPECTED: Record<NonNullable<XdmField['type']>, string> = {
  string: 'String',
  number: 'Number',
  integer: 'Integer',
  boolean: 'Boolean',
  object: 'JSONObject',
  array: 'JSONArray',
};

function hasType(value: unknown, type: NonNullable<XdmField['type']>): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export function validateXdm(value: unknown, schema: XdmField, maxErrors = 5): Violation[] {
  const out: Violation[] = [];
  const push = (schemaLocation: string, pointer: string, keyword: string, message: string) => {
    if (out.length < maxErrors) {
      out.push({
        schemaLocation,
        pointerToViolation: pointer,
        causingExceptions: [],
        keyword,
        message,
      });
    }
  };

  const visit = (v: unknown, s: XdmField, loc: string, ptr: string): void => {
    if (out.length >= maxErrors) return;
    if (s.type !== undefined && !hasType(v, s.type)) {
      push(loc, ptr, 'type', `expected type: ${EXPECTED[s.type]}, found: ${foundType(v)}`);
      return;
    }
    if (s.enum !== undefined && !s.enum.some((e) => e === v)) {
      push(loc, ptr, 'enum', `${JSON.stringify(v)} is not a valid enum value`);
    }
    if (typeof v === 'string') {
      if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
        push(loc, ptr, 'pattern', `string [${v}] does not match pattern ${s.pattern}`);
      }
      const fmt = s.format !== undefined ? FORMATS[s.format] : undefined;
      if (fmt && !fmt.re.test(v)) push(loc, ptr, 'format', `[${v}] is not a valid ${fmt.label}`);
      if (s.minLength !== undefined && v.length < s.minLength) {
        push(loc, ptr, 'minLength', `expected minLength: ${s.minLength}, actual: ${v.length}`);
      }
      if (s.maxLength !== undefined && v.length > s.maxLength) {
        push(loc, ptr, 'maxLength', `expected maxLength: ${s.maxLength}, actual: ${v.length}`);
      }
    }
    if (typeof v === 'number') {
      if (s.minimum !== undefined && v < s.minimum) {
        push(loc, ptr, 'minimum', `${v} is not greater or equal to ${s.minimum}`);
      }
      if (s.maximum !== undefined && v > s.maximum) {
        push(loc, ptr, 'maximum', `${v} is not less or equal to ${s.maximum}`);
      }
    }
    if (Array.isArray(v) && s.items !== undefined) {
      const items = s.items;
      v.forEach((item, i) => visit(item, items, `${loc}/items`, `${ptr}/${i}`));
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const obj = v as Record<string, unknown>;
      const props = s.properties ?? {};
      for (const key of s.required ?? []) {
        if (!Object.hasOwn(obj, key)) push(loc, ptr, 'required', `required key [${key}] not found`);
      }
      if (s.additionalProperties === false) {
        for (const key of Object.keys(obj)) {
          if (!Object.hasOwn(props, key)) {
            push(loc, ptr, 'additionalProperties', `extraneous key [${key}] is not permitted`);
          }
        }
      }
      for (const [key, child] of Object.entries(obj)) {
        const sub = Object.hasOwn(props, key) ? props[key] : undefined;
        if (sub)
          visit(
            child,
            sub,
            `${loc}/properties/${escapePointer(key)}`,
            `${ptr}/${escapePointer(key)}`,
          );
      }
    }
  };

  visit(value, schema, '#', '#');
  return out;
}

/** True when a dotted destination path (`person.name.firstName`) names a field of the schema. */
export function schemaHasPath(schema: XdmField, path: string): boolean {
  let node: XdmField | undefined = schema;
  for (const part of path.split('.')) {
    if (node?.type === 'array') node = node.items;
    const props: Record<string, XdmField> | undefined = node?.properties;
    if (!props || !Object.hasOwn(props, part)) return false;
    node = props[part];
  }
  return node !== undefined;
}
