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

type Loaded = { origin: string; input: unknown };
export type Valid = Loaded & { request: ProvisionRequest };

/** One JSON request from a file, or from stdin for `-`. */
export function readRequest(file: string): unknown {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError([
      `${file === '-' ? 'stdin' : file} is not valid JSON: ${(err as Error).message}`,
    ]);
  }
}

const REQUEST_FILE = /\.(ya?ml|json)$/i;

/**
 * The requests of a file, a directory of files, or stdin (YAML or JSON: one, a list, or many
 * docs), each validated; every problem of every file and request, and sources named twice, are
 * refused together before anything starts.
 */
export function loadRequests(arg: string, place: Place): Valid[] {
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
  const valid: Valid[] = [];
  const seen = new Map<string, string>();
  for (const item of items) {
    const name = (item.input as { name?: unknown } | null | undefined)?.name;
    const label = typeof name === 'string' ? `${item.origin} (${name})` : item.origin;
    try {
      const request = parseProvisionRequest(item.input, place);
      const source = `${request.sandbox}/${request.name}`;
      const first = seen.get(`${request.imsOrg}/${source}`);
      if (first) problems.push(`${label}: source ${source} is also requested by ${first}`);
      else seen.set(`${request.imsOrg}/${source}`, item.origin);
      valid.push({ ...item, request });
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      for (const p of err.problems) problems.push(`${label}: ${p}`);
    }
  }
  if (problems.length > 0) throw new InvalidRequestError(problems);
  return valid;
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
