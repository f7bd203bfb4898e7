/**
 * Control API under `/__emulator/`: inspection, reset, counters, fault rules, latency, schemas,
 * bulk seeding, inlet records and issued tokens. Never subject to faults, latency or the gateway,
 * and not counted in the stats. Plain JSON errors `{error}`; the server listens on loopback only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { HttpError } from '../errors/http-error';
import { seedSources } from '../flow-model';
import { RESOURCE_KINDS, type ResourceKind, type XdmSchema } from '../types';
import { parseBody } from '../validation';

const faultAction = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('status'),
    status: z.number().int().min(100).max(599),
    retryAfterSeconds: z.number().int().min(0).optional(),
    body: z.unknown().optional(),
  }),
  z.object({ type: z.literal('latency'), ms: z.number().int().min(0) }),
  z.object({ type: z.literal('commitThenFail'), mode: z.enum(['status500', 'drop']) }),
  z.object({ type: z.literal('drop') }),
  z.object({ type: z.literal('slowCommit'), ms: z.number().int().min(0) }),
  z.object({ type: z.literal('listLag'), ms: z.number().int().min(0) }),
  z.object({ type: z.literal('commitThen504'), body: z.unknown().optional() }),
]);

const SCOPED_KINDS = RESOURCE_KINDS.filter((k) => k !== 'schema') as [
  Exclude<ResourceKind, 'schema'>,
  ...Exclude<ResourceKind, 'schema'>[],
];

export const faultRuleSchema = z.object({
  method: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  kind: z.enum(SCOPED_KINDS).optional(),
  probability: z.number().min(0).max(1).optional(),
  count: z.number().int().min(1).optional(),
  sandbox: z.string().min(1).optional(),
  action: faultAction,
});

const schemaBody = z.looseObject({
  $id: z.string().min(1),
  'meta:altId': z.string().min(1),
  title: z.string().min(1),
  type: z.literal('object'),
  'meta:containerId': z.enum(['tenant', 'global']).optional(),
});

const badRequest = (message: string) => new HttpError(400, { error: message });
const toError = (issue: { path: string; message: string }) =>
  badRequest(`${issue.path}: ${issue.message}`);

export function registerControl(app: FastifyInstance, ctx: EmulatorContext): void {
  const base = '/__emulator';

  app.get(`${base}/health`, async () => ({ ok: true, url: ctx.url }));

  app.get(`${base}/resources`, async (req) => {
    const q = req.query as { kind?: string; sandbox?: string };
    if (q.kind !== undefined && !RESOURCE_KINDS.includes(q.kind as ResourceKind)) {
      throw badRequest(`unknown kind ${q.kind}; expected one of ${RESOURCE_KINDS.join(', ')}`);
    }
    return ctx.state.resources({
      ...(q.kind === undefined ? {} : { kind: q.kind as ResourceKind }),
      ...(q.sandbox === undefined ? {} : { sandbox: q.sandbox }),
    });
  });

  app.post(`${base}/reset`, async () => {
    ctx.state.reset();
    ctx.faults.clear();
    ctx.stats.reset();
    ctx.filterMode = { ...ctx.opts.filterMode };
    return { ok: true };
  });

  app.get(`${base}/routes`, async () => ctx.routes.filter((r) => !r.url.startsWith(base)));

  app.get(`${base}/filter-mode`, async () => ctx.filterMode);
  app.put(`${base}/filter-mode`, async (req) => {
    const mode = parseBody(
      z.object({
        quoting: z.enum(['literal', 'raw', 'strict']).optional(),
        nameMatch: z.enum(['exact', 'caseInsensitive']).optional(),
      }),
      req.body,
      toError,
    );
    ctx.filterMode = {
      quoting: mode.quoting ?? ctx.filterMode.quoting,
      nameMatch: mode.nameMatch ?? ctx.filterMode.nameMatch,
    };
    return ctx.filterMode;
  });

  app.get(`${base}/stats`, async () => ctx.stats.snapshot());
  app.get(`${base}/rate`, async () => ctx.stats.rate());
  app.post(`${base}/stats/reset`, async () => {
    ctx.stats.reset();
    return { ok: true };
  });

  app.get(`${base}/faults`, async () => ctx.faults.list());
  app.post(`${base}/faults`, async (req) => {
    const rule = parseBody(faultRuleSchema, req.body, toError);
    if (rule.path === undefined && rule.kind === undefined) {
      throw badRequest('a fault rule needs a path, a kind, or both');
    }
    try {
      return { id: ctx.faults.add(rule).id };
    } catch (err) {
      throw badRequest(`invalid path pattern: ${(err as Error).message}`);
    }
  });
  app.delete(`${base}/faults`, async () => {
    ctx.faults.clear();
    return { ok: true };
  });

  app.get(`${base}/latency`, async () => ({ ms: ctx.latencyMs }));
  app.put(`${base}/latency`, async (req) => {
    const { ms } = parseBody(z.object({ ms: z.number().int().min(0) }), req.body, toError);
    ctx.latencyMs = ms;
    return { ms };
  });

  app.post(`${base}/schemas`, async (req) => {
    const schema = parseBody(schemaBody, req.body, toError) as XdmSchema;
    ctx.state.addSchema(schema);
    return { $id: schema.$id, 'meta:altId': schema['meta:altId'] };
  });

  app.post(`${base}/seed/connections`, async (req) => {
    const { sandbox, count } = parseBody(
      z.object({ sandbox: z.string().min(1), count: z.number().int().min(1).max(1_000_000) }),
      req.body,
      toError,
    );
    if (!ctx.opts.sandboxes.includes(sandbox)) throw badRequest(`unknown sandbox ${sandbox}`);
    const schema = ctx.state
      .allSchemas()
      .find((s) => (s['meta:containerId'] ?? 'tenant') === 'tenant');
    if (!schema) throw badRequest('no tenant schema to seed datasets with');
    return seedSources(ctx, ctx.state.scope(ctx.opts.orgId, sandbox), count, schema);
  });

  app.get(`${base}/records`, async (req) => {
    const q = req.query as { inletId?: string; flowId?: string };
    return ctx.state.records.filter(
      (r) =>
        (q.inletId === undefined || r.inletId === q.inletId) &&
        (q.flowId === undefined || r.flowId === q.flowId),
    );
  });

  app.get(`${base}/tokens`, async () => ctx.tokens.all());
  app.post(`${base}/tokens/expire`, async () => ({ expired: ctx.tokens.expireAll() }));
}
