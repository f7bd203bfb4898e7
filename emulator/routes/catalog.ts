/**
 * Catalog Service datasets (`/data/foundation/catalog/dataSets`): create → 201
 * `["@/dataSets/{id}"]`; GET → object keyed by id; list with `name=` (comma = any of, `!` negates,
 * `*` wildcard), `property=` (top-level, `==`/`!=`/`<`/…/`~`, bare name = exists, `!name` =
 * absent), `limit` (default 20, max 100), `start`, `orderBy`, `properties`; DELETE → 200
 * `["@/dataSets/{id}"]`, or `[]` (default) / 404 for an unknown id per `missingDatasetDelete`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { catalogBadRequest, catalogError, datasetNotFound } from '../errors/catalog';
import { CATALOG_BASE } from '../errors/http-error';
import { createDataset } from '../flow-model';
import type { Doc, Scope } from '../state';
import { isEmptyBody, parseBody, queryFirst, queryList } from '../validation';
import { ordered, type FilterOp } from '../filter';

const datasetBody = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  schemaRef: z.looseObject({ id: z.string().min(1), contentType: z.string().optional() }),
  tags: z.record(z.string(), z.array(z.string())).optional(),
  fileDescription: z.record(z.string(), z.unknown()).optional(),
});

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

function scopeOf(req: FastifyRequest): Scope {
  const scope = req.emu.scope;
  if (!scope) throw new Error('gateway did not resolve a scope');
  return scope;
}

const first = queryFirst;
const all = queryList;
const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** `*` is a wildcard, `**` a literal star (Catalog filter guide). */
function wildcard(pattern: string): RegExp {
  const parts = pattern.split('**').map((chunk) =>
    chunk
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*'),
  );
  return new RegExp(`^${parts.join('\\*')}$`);
}

function nameFilter(raw: string, caseInsensitive: boolean): (doc: Doc) => boolean {
  const negate = raw.startsWith('!');
  const body = negate ? raw.slice(1) : raw;
  const patterns = (caseInsensitive ? body.toLowerCase() : body).split(',').map(wildcard);
  return (doc) => {
    const raw = typeof doc.body.name === 'string' ? doc.body.name : '';
    const name = caseInsensitive ? raw.toLowerCase() : raw;
    const hit = patterns.some((re) => re.test(name));
    return negate ? !hit : hit;
  };
}

function propertyFilter(raw: string, caseInsensitiveName: boolean): (doc: Doc) => boolean {
  const m = /^(!?)([A-Za-z0-9_]+)(?:(==|!=|<=|>=|<|>|~)(.*))?$/s.exec(raw);
  if (!m) throw catalogBadRequest(`Invalid property filter ${raw}.`);
  const [, not = '', field = '', op, value = ''] = m;
  if (op === undefined) return (doc) => Object.hasOwn(doc.body, field) !== (not === '!');
  if (not === '!') throw catalogBadRequest(`Invalid property filter ${raw}.`);
  let re: RegExp | undefined;
  if (op === '~') {
    try {
      re = new RegExp(value);
    } catch {
      throw catalogBadRequest(`Invalid regular expression in property filter ${raw}.`);
    }
  }
  const ci = caseInsensitiveName && field === 'name';
  const want = ci ? value.toLowerCase() : value;
  return (doc) => {
    const v = doc.body[field];
    if (v === undefined) return op === '!=';
    const str = typeof v === 'string' ? v : JSON.stringify(v);
    const s = ci ? str.toLowerCase() : str;
    if (re) return re.test(s);
    const d =
      typeof v === 'number' && value !== '' && !Number.isNaN(Number(value))
        ? v - Number(value)
        : s < want
          ? -1
          : s > want
            ? 1
            : 0;
    return ordered(op as FilterOp, d);
  };
}

function orderBy(raw: string | undefined): (a: Doc, b: Doc) => number {
  if (raw === undefined) return (a, b) => a.seq - b.seq;
  const keys = raw.split(',').map((part) => {
    const m = /^(?:(asc|desc):)?([A-Za-z0-9_]+)$/.exec(part.trim());
    if (!m) throw catalogBadRequest(`Invalid orderBy ${raw}.`);
    return { dir: m[1] === 'desc' ? -1 : 1, field: m[2] ?? '' };
  });
  return (a, b) => {
    for (const { dir, field } of keys) {
      const x = a.body[field];
      const y = b.body[field];
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (text(x) < text(y) ? -1 : 1) * dir;
    }
    return a.seq - b.seq;
  };
}

function project(
  body: Record<string, unknown>,
  properties: string | undefined,
): Record<string, unknown> {
  if (properties === undefined) return body;
  const keep = properties.split(',');
  return Object.fromEntries(Object.entries(body).filter(([k]) => keep.includes(k)));
}

function listDatasets(ctx: EmulatorContext, req: FastifyRequest): Record<string, unknown> {
  const q = req.query as Record<string, unknown>;
  const ci = ctx.filterMode.nameMatch === 'caseInsensitive';
  const filters: ((doc: Doc) => boolean)[] = [];
  for (const n of all(q.name)) filters.push(nameFilter(n, ci));
  for (const p of all(q.property)) filters.push(propertyFilter(p, ci));
  const limitRaw = first(q.limit);
  let limit = DEFAULT_LIMIT;
  if (limitRaw !== undefined) {
    limit = Number(limitRaw);
    if (!/^\d+$/.test(limitRaw) || limit < 1) throw catalogBadRequest(`Invalid limit ${limitRaw}.`);
    limit = Math.min(limit, MAX_LIMIT);
  }
  const startRaw = first(q.start) ?? '0';
  if (!/^\d+$/.test(startRaw)) throw catalogBadRequest(`Invalid start ${startRaw}.`);
  const docs = scopeOf(req)
    .listable('dataset')
    .filter((d) => filters.every((f) => f(d)));
  docs.sort(orderBy(first(q.orderBy) ?? first(q.orderby)));
  const properties = first(q.properties);
  const start = Number(startRaw);
  return Object.fromEntries(
    docs.slice(start, start + limit).map((d) => [d.id, project(d.body, properties)]),
  );
}

export function registerCatalog(app: FastifyInstance, ctx: EmulatorContext): void {
  const base = `${CATALOG_BASE}/dataSets`;

  app.post(base, async (req, reply) => {
    if (isEmptyBody(req.body)) throw catalogBadRequest('The request body cannot be empty.');
    const input = parseBody(datasetBody, req.body, (issue) =>
      catalogBadRequest(
        issue.missing
          ? `Missing required field ${issue.path}.`
          : `Invalid field ${issue.path}: ${issue.message}`,
      ),
    );
    if (!ctx.state.findSchema(input.schemaRef.id)) {
      throw catalogError(
        400,
        1401,
        `The schema ${input.schemaRef.id} referenced by schemaRef.id does not exist.`,
      );
    }
    const doc = createDataset(ctx, scopeOf(req), input);
    if (req.emu.listLagMs > 0) doc.listVisibleAt = Date.now() + req.emu.listLagMs;
    ctx.stats.created('dataset');
    return reply.code(201).send([`@/dataSets/${doc.id}`]);
  });

  app.get(base, async (req) => listDatasets(ctx, req));

  app.get<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    const doc = scopeOf(req).maps.dataset.get(req.params.id);
    if (!doc) throw datasetNotFound(req.params.id);
    return {
      [doc.id]: project(doc.body, first((req.query as Record<string, unknown>).properties)),
    };
  });

  app.delete<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
    if (!scopeOf(req).remove('dataset', req.params.id, req.emu.listLagMs)) {
      if (ctx.opts.missingDatasetDelete === 'notFound') throw datasetNotFound(req.params.id);
      return [];
    }
    ctx.stats.deleted('dataset');
    return [`@/dataSets/${req.params.id}`];
  });
}
