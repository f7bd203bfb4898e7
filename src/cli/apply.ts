import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { Listr } from 'listr2';
import { parseAllDocuments } from 'yaml';
import { summarizeFailure, type ProvisioningClient } from '../client';
import { planPrune, prunePlanOf, PruneRefusedError } from '../client/sets';
import {
  InvalidRequestError,
  parseProvisionRequest,
  type Place,
  type ProvisionRequest,
} from '../request';
import type { SourcePlan } from '../shared/model';
import { cleanMessage, progress } from './output';

/** Request files, the `apply` runner (listr2 on stderr), and `--prune` (client/sets.ts). */

type Valid = { origin: string; input: unknown; request: ProvisionRequest };

export interface SetOptions {
  prune?: boolean;
  applySet?: string;
  deleteDataset?: boolean;
  force?: boolean;
}

export interface ApplyOutcome {
  sandbox: string;
  name: string;
  origin: string;
  outcome: 'created' | 'unchanged' | 'updated' | 'failed';
  created: string[];
  reused: string[];
  workflowId: string;
  flowId?: string;
  inletUrl?: string;
  failure?: { type: string; rootType: string; message: string };
}

/** One JSON request from a file, or from stdin for `-`. */
export function readRequest(file: string): unknown {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const where = file === '-' ? 'stdin' : file;
    throw new InvalidRequestError([`${where} is not valid JSON: ${(err as Error).message}`]);
  }
}

/**
 * The requests of a file, a directory, or stdin (YAML or JSON: one, a list, or many docs): every
 * problem of every request, and sources named twice, refused together before anything starts.
 */
export function loadRequests(arg: string, place: Place): Valid[] {
  const problems: string[] = [];
  const items: Array<{ origin: string; input: unknown }> = [];
  const stat = arg === '-' ? undefined : statSync(arg, { throwIfNoEntry: false });
  if (arg !== '-' && !stat) throw new InvalidRequestError([`${arg}: no such file or directory`]);
  const paths = stat?.isDirectory()
    ? readdirSync(arg)
        .filter((f) => /\.(ya?ml|json)$/i.test(f))
        .sort()
        .map((f) => path.join(arg, f))
    : [arg];
  if (paths.length === 0) problems.push(`${arg}: no .yaml, .yml or .json file`);
  for (const origin of paths.map((p) => (p === '-' ? 'stdin' : p))) {
    const docs = parseAllDocuments(readFileSync(origin === 'stdin' ? 0 : origin, 'utf8'));
    docs.forEach((doc, d) => {
      const where = docs.length > 1 ? `${origin}#${d + 1}` : origin;
      for (const e of doc.errors)
        problems.push(`${where}: ${cleanMessage(e.message.split('\n')[0]!)}`);
      const value: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
      if (Array.isArray(value))
        value.forEach((v, i) => items.push({ origin: `${where}[${i}]`, input: v }));
      else if (value !== null && value !== undefined) items.push({ origin: where, input: value });
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

/** Each request started (or attached to) and followed, `concurrency` at once; one outcome each. */
export async function applyAll(
  client: ProvisioningClient,
  items: Valid[],
  concurrency: number,
  json: boolean,
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  const one = async (item: Valid, i: number, task: { title: string; output: string }) => {
    const { sandbox, name } = item.request;
    const base = { sandbox, name, origin: item.origin, workflowId: '' };
    try {
      const started = await client.startProvision(item.input);
      base.workflowId = started.workflowId;
      task.output = started.started ? 'started' : 'attached to the running provisioning';
      const { created, reused, flowId, inletUrl } = await client.follow(started.handle, (step) => {
        task.output = step;
      });
      const outcome = created.length === 0 ? 'unchanged' : 'created';
      outcomes[i] = { ...base, outcome, created, reused, flowId, inletUrl };
      task.title = `${task.title}: ${outcome === 'unchanged' ? 'unchanged (nothing created)' : `created ${created.join(', ')}`}`;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const f =
        err instanceof WorkflowFailedError
          ? summarizeFailure(err)
          : { type: 'Error', rootType: 'Error', message };
      const failure = { type: f.type, rootType: f.rootType, message: cleanMessage(f.message) };
      outcomes[i] = { ...base, outcome: 'failed', created: [], reused: [], failure };
      throw new Error(`${failure.type} (${failure.rootType}): ${failure.message}`, { cause: err });
    }
  };
  const tasks = new Listr(
    items.map((item, i) => ({
      title: `${item.request.sandbox}/${item.request.name}`,
      task: (_ctx: unknown, task: { title: string; output: string }) => one(item, i, task),
    })),
    {
      concurrent: concurrency,
      exitOnError: false,
      renderer: process.stderr.isTTY && !json ? 'default' : 'simple',
      rendererOptions: { collapseErrors: false },
    },
  );
  // listr2 writes to stdout; send its lines to stderr so stdout stays the summary alone.
  const origWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr);
  try {
    await tasks.run();
  } finally {
    process.stdout.write = origWrite;
  }
  return outcomes;
}

/** An input applied as a set: its sandbox and id, each request naming the set. */
type AppliedSet = { sandbox: string; applySet: string; keep: string[]; items: Valid[] };

/**
 * The input as a set: `--apply-set`, else the one `applySet` its requests name (never derived: it
 * decides what a prune tears down); with `--prune` of one sandbox. Undefined without either option.
 */
export function asSet(items: Valid[], opts: SetOptions): AppliedSet | undefined {
  if (!opts.prune && opts.applySet === undefined) return undefined;
  const named = new Set(items.flatMap((i) => i.request.applySet ?? []));
  const applySet = opts.applySet ?? (named.size === 1 ? [...named][0] : undefined);
  const sandboxes = [...new Set(items.map((i) => i.request.sandbox))];
  const problems: string[] = [];
  if (applySet === undefined)
    problems.push(
      '--prune needs --apply-set <id>, or one applySet that the requests name: the id decides what is torn down, so it is never guessed',
    );
  for (const { request, origin } of items) {
    const s = request.applySet;
    if (applySet !== undefined && s !== undefined && s !== applySet)
      problems.push(`${origin}: applySet ${s} is not the set applied (${applySet})`);
  }
  if (opts.prune && sandboxes.length > 1)
    problems.push(
      `--prune: an apply set is of one sandbox; the input names ${sandboxes.join(', ')}`,
    );
  if (problems.length > 0) throw new InvalidRequestError(problems);
  const withSet = items.map((i) => ({
    ...i,
    input: { ...(i.input as object), applySet },
    request: { ...i.request, applySet },
  }));
  const keep = withSet.map((i) => i.request.name);
  return { sandbox: sandboxes[0]!, applySet: applySet!, keep, items: withSet };
}

/** The plan of the set's prune (with each source's resources), the guard's verdict on stderr. */
export async function planSetPrune(
  client: ProvisioningClient,
  set: AppliedSet,
  opts: SetOptions,
): Promise<SourcePlan[]> {
  const { sandbox, applySet, keep } = set;
  const plan = await planPrune(client, {
    sandbox,
    applySet,
    keep,
    force: opts.force,
    graphs: true,
  });
  if (plan.refused) progress(`warning: ${new PruneRefusedError(plan).message}`);
  return plan.prune.map((p) => prunePlanOf(plan, p, opts.deleteDataset === true));
}
