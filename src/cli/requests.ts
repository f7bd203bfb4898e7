import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  InvalidRequestError,
  parseProvisionRequest,
  type Place,
  type ProvisionRequest,
} from '../request';
import { cleanMessage } from './output';

/** Request files: one JSON request (`provision`), or many in YAML or JSON (`apply`, `plan`). */

export interface Loaded {
  origin: string;
  input: unknown;
}

export interface Valid extends Loaded {
  request: ProvisionRequest;
}

/** One JSON request from a file, or from stdin for `-`. */
export function readRequest(file: string): unknown {
  const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError([
      `${file === '-' ? 'stdin' : file} is not valid JSON: ${(err as Error).message}`,
    ]);
  }
}

const REQUEST_FILE = /\.(ya?ml|json)$/i;

/** Requests from a file, a directory of files, or stdin: YAML or JSON, one, a list, or many docs. */
export function loadRequests(arg: string): { items: Loaded[]; problems: string[] } {
  const problems: string[] = [];
  const items: Loaded[] = [];
  for (const { origin, text } of requestFiles(arg, problems)) {
    const list = parseAllDocuments(text);
    list.forEach((doc, d) => {
      const where = list.length > 1 ? `${origin}#${d + 1}` : origin;
      for (const e of doc.errors) {
        problems.push(`${where}: ${cleanMessage(e.message.split('\n')[0]!)}`);
      }
      const value: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
      if (Array.isArray(value)) {
        value.forEach((v, i) => items.push({ origin: `${where}[${i}]`, input: v }));
      } else if (value !== null && value !== undefined) items.push({ origin: where, input: value });
    });
  }
  if (items.length === 0 && problems.length === 0) problems.push(`${arg}: no request found`);
  return { items, problems };
}

/** The texts of stdin, of one file, or of the request files of a directory (by name). */
function requestFiles(arg: string, problems: string[]): Array<{ origin: string; text: string }> {
  if (arg === '-') return [{ origin: 'stdin', text: readFileSync(0, 'utf8') }];
  const stat = statSync(arg, { throwIfNoEntry: false });
  if (!stat) throw new InvalidRequestError([`${arg}: no such file or directory`]);
  const paths = stat.isDirectory()
    ? readdirSync(arg)
        .filter((f) => REQUEST_FILE.test(f))
        .sort()
        .map((f) => path.join(arg, f))
    : [arg];
  if (paths.length === 0) problems.push(`${arg}: no .yaml, .yml or .json file`);
  return paths.map((p) => ({ origin: p, text: readFileSync(p, 'utf8') }));
}

/** Every bad field of every request, and sources named twice, before anything starts. */
export function validateAll(
  loaded: { items: Loaded[]; problems: string[] },
  place: Place,
): Valid[] {
  const problems = [...loaded.problems];
  const valid: Valid[] = [];
  const seen = new Map<string, string>();
  for (const item of loaded.items) {
    const label = describeItem(item);
    try {
      const request = parseProvisionRequest(item.input, place);
      const key = `${request.imsOrg}/${request.sandbox}/${request.name}`;
      const first = seen.get(key);
      const source = `${request.sandbox}/${request.name}`;
      if (first) problems.push(`${label}: source ${source} is also requested by ${first}`);
      else seen.set(key, item.origin);
      valid.push({ ...item, request });
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      for (const p of err.problems) problems.push(`${label}: ${p}`);
    }
  }
  if (problems.length > 0) throw new InvalidRequestError(problems);
  return valid;
}

function describeItem(item: Loaded): string {
  const name = (item.input as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? `${item.origin} (${name})` : item.origin;
}
