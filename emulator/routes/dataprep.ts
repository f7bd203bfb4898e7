/**
 * Data Prep mapping sets, under `/data/foundation/conversion/mappingSets` and the HTTP API
 * tutorial's `/data/foundation/mappingSets` alias. Create → 200 (not 201) with
 * `{id, version, createdDate, modifiedDate, createdBy, modifiedBy}`; both the legacy
 * (`xdmSchema`, `sourceAttribute`/`destinationXdmPath`) and the current (`outputSchema.schemaRef`,
 * `source`/`destination`) vocabularies are accepted and both are returned. Every destination
 * must be a field of the output schema. PUT bumps the version; DELETE → 204 (not in Adobe's spec;
 * `mappingSetDelete: 'unsupported'` answers 405 instead).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { dataPrepError, mappingSetNotFound } from '../errors/dataprep';
import { DATAPREP_ALIAS_BASE, DATAPREP_BASE } from '../errors/http-error';
import { actorOf } from '../flow-model';
import { mappingSetId } from '../ids';
import type { Doc, Scope } from '../state';
import { isEmptyBody, parseBody, queryFirst } from '../validation';
import { schemaHasPath } from '../xdm-validate';

const SOURCE_TYPES = new Set(['ATTRIBUTE', 'EXPRESSION', 'STATIC', 'text/x.schema-path']);

const mappingItem = z.looseObject({
  source: z.string().optional(),
  destination: z.string().optional(),
  sourceType: z.string().optional(),
  sourceAttribute: z.string().optional(),
  destinationXdmPath: z.string().optional(),
  identity: z.boolean().optional(),
  primaryIdentity: z.boolean().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
});

const mappingSetBody = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  outputSchema: z
    .looseObject({
      schemaRef: z.looseObject({ id: z.string().min(1), contentType: z.string().optional() }),
    })
    .optional(),
  xdmSchema: z.string().min(1).optional(),
  xdmVersion: z.string().optional(),
  inputSchema: z.unknown().optional(),
  mappings: z.array(mappingItem).min(1),
});

const DEFAULT_LIMIT = 20;

function scopeOf(req: FastifyRequest): Scope {
  const scope = req.emu.scope;
  if (!scope) throw new Error('gateway did not resolve a scope');
  return scope;
}

/** Validates a create/replace body and returns the stored representation (without audit fields). */
function normalize(ctx: EmulatorContext, body: unknown) {
  if (isEmptyBody(body)) throw dataPrepError(400, 'The request body cannot be empty.');
  const input = parseBody(mappingSetBody, body, (issue) =>
    dataPrepError(
      400,
      issue.missing
        ? `Missing required field ${issue.path}.`
        : `Invalid field ${issue.path}: ${issue.message}`,
    ),
  );
  const schemaId = input.outputSchema?.schemaRef.id ?? input.xdmSchema;
  if (schemaId === undefined) {
    throw dataPrepError(
      400,
      'Missing required field outputSchema.schemaRef.id (or legacy xdmSchema).',
    );
  }
  const schema = ctx.state.findSchema(schemaId);
  if (!schema) throw dataPrepError(400, `The output schema ${schemaId} does not exist.`);
  const errors: { index: number; destination?: string; message: string }[] = [];
  const mappings = input.mappings.map((m, index) => {
    const destination = m.destination ?? m.destinationXdmPath;
    const source = m.source ?? m.sourceAttribute;
    const sourceType = m.sourceType ?? 'text/x.schema-path';
    if (destination === undefined || destination === '') {
      errors.push({ index, message: 'mapping has no destination' });
    } else if (!schemaHasPath(schema, destination)) {
      errors.push({
        index,
        destination,
        message: `destination ${destination} is not a field of schema ${schemaId}`,
      });
    }
    if (source === undefined || source === '')
      errors.push({ index, message: 'mapping has no source' });
    if (!SOURCE_TYPES.has(sourceType))
      errors.push({ index, message: `unsupported sourceType ${sourceType}` });
    return {
      ...m,
      id: mappingSetId(),
      version: 0,
      sourceType,
      source,
      destination,
      sourceAttribute: source,
      destinationXdmPath: destination,
      identity: m.identity ?? false,
      primaryIdentity: m.primaryIdentity ?? false,
    };
  });
  if (errors.length > 0) {
    throw dataPrepError(
      400,
      `An invalid mapping set was requested: ${errors.map((e) => e.message).join('; ')}`,
      errors,
    );
  }
  const contentType =
    input.outputSchema?.schemaRef.contentType ?? 'application/vnd.adobe.xed-full+json;version=1';
  return {
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.description === undefined ? {} : { description: input.description }),
    status: 'PUBLISHED',
    ...(input.inputSchema === undefined ? {} : { inputSchema: input.inputSchema }),
    outputSchema: { schemaRef: { id: schemaId, contentType } },
    xdmSchema: schemaId,
    xdmVersion: input.xdmVersion ?? '1.0',
    mappings,
  };
}

const summary = (body: Record<string, unknown>) => ({
  id: body.id,
  version: body.version,
  createdDate: body.createdDate,
  modifiedDate: body.modifiedDate,
  createdBy: body.createdBy,
  modifiedBy: body.modifiedBy,
});

function getSet(req: FastifyRequest<{ Params: { id: string } }>): Doc {
  const doc = scopeOf(req).maps.mappingSet.get(req.params.id);
  if (!doc) throw mappingSetNotFound(req.params.id);
  return doc;
}

export function registerDataPrep(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const prefix of [DATAPREP_BASE, DATAPREP_ALIAS_BASE]) {
    const base = `${prefix}/mappingSets`;

    app.post(base, async (req) => {
      const fields = normalize(ctx, req.body);
      const id = mappingSetId();
      const now = Date.now();
      const body = {
        id,
        version: 0,
        createdDate: now,
        modifiedDate: now,
        createdBy: actorOf(ctx),
        modifiedBy: actorOf(ctx),
        ...fields,
      };
      scopeOf(req).maps.mappingSet.set(id, {
        id,
        seq: ctx.state.nextSeq(),
        body,
        history: [body],
        ...(req.emu.listLagMs > 0 ? { listVisibleAt: Date.now() + req.emu.listLagMs } : {}),
      });
      ctx.stats.created('mappingSet');
      return summary(body);
    });

    app.get<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
      const doc = getSet(req);
      const raw = queryFirst((req.query as Record<string, unknown>).version);
      if (raw === undefined) return doc.body;
      const v = Number(raw);
      const old = Number.isInteger(v) ? doc.history?.[v] : undefined;
      if (!old) throw dataPrepError(404, `Mapping set ${doc.id} has no version ${raw}.`);
      return old;
    });

    app.put<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
      const doc = getSet(req);
      const fields = normalize(ctx, req.body);
      const version = Number(doc.body.version ?? 0) + 1;
      const body = {
        ...summary(doc.body),
        version,
        modifiedDate: Date.now(),
        modifiedBy: actorOf(ctx),
        ...fields,
      };
      doc.body = body;
      doc.history = [...(doc.history ?? []), body];
      return body;
    });

    app.get(base, async (req) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
      const limitRaw = one(q.limit);
      const startRaw = one(q.start);
      const limit = limitRaw === undefined ? DEFAULT_LIMIT : Number(limitRaw);
      const start = startRaw === undefined ? 0 : Number(startRaw);
      if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(start) || start < 0) {
        throw dataPrepError(
          400,
          'limit must be a positive integer and start a non-negative integer.',
        );
      }
      const name = one(q.name);
      const ci = ctx.filterMode.nameMatch === 'caseInsensitive';
      const same = (v: unknown) =>
        typeof v === 'string' && (ci ? v.toLowerCase() === name?.toLowerCase() : v === name);
      const all = scopeOf(req)
        .listable('mappingSet')
        .filter((d) => name === undefined || same(d.body.name));
      const data = all.slice(start, start + limit).map((d) => d.body);
      const links: Record<string, unknown> = {};
      if (start + limit < all.length) {
        const next = new URLSearchParams({ limit: String(limit), start: String(start + limit) });
        if (name !== undefined) next.append('name', name);
        links.next = { href: `/mappingSets?${next.toString()}` };
      }
      return {
        data,
        _page: { count: data.length, limit, start, total: all.length },
        _links: links,
      };
    });

    app.delete<{ Params: { id: string } }>(`${base}/:id`, async (req, reply) => {
      if (ctx.opts.mappingSetDelete === 'unsupported') {
        throw dataPrepError(405, 'DELETE is not supported on mapping sets.');
      }
      const doc = getSet(req);
      scopeOf(req).remove('mappingSet', doc.id, req.emu.listLagMs);
      ctx.stats.deleted('mappingSet');
      return reply.code(204).send();
    });
  }
}
