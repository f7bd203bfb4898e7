/**
 * Streaming ingestion (DCS): `POST /collection/{inletId}` → 200 and
 * `POST /collection/batch/{inletId}` → 207 with one response per message.
 *
 * Contract kept by the emulator:
 * - unknown inlet → 404; authenticated inlet without Authorization → 401 (string `"status"`),
 *   with an invalid/expired token → 403 (option `inletInvalidTokenStatus`);
 * - body over `inletBodyLimitBytes` (1 MiB) → 413; `Content-Encoding: gzip` is accepted;
 * - the flow id comes from the `x-adobe-flow-id` header, else the `x-adobe-flow-id` query
 *   parameter, else the XDM `header.flowId`; it must name a flow in the inlet's sandbox whose
 *   source connection sits on this inlet's base connection, otherwise the message is refused
 *   with 400 (a record that no flow routes would never reach a dataset);
 * - XDM inlets refuse messages without `header.schemaRef.id` and `body.xdmEntity` ("unknown xdm
 *   format") or with a foreign `header.imsOrgId`, synchronously, as the batch examples show;
 * - `?syncValidation=true` validates `xdmEntity` against the schema of the flow's dataset and
 *   answers the documented 400 (at most 5 violations); raw messages are not validated
 *   (`syncValidation: {skipped: true}`), and the batch endpoint ignores the parameter.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { EmulatorContext } from '../context';
import {
  dcsError,
  inletNotFound,
  inletPrefix,
  inletTokenInvalid,
  inletTokenMissing,
  invalidMessage,
  syncValidationFailed,
} from '../errors/dcs';
import { HttpError } from '../errors/http-error';
import { datasetOfFlow, schemaIdOfDataset } from '../flow-model';
import { bearerToken } from '../gateway';
import { xactionId } from '../ids';
import type { Doc, InletBinding, Scope } from '../state';
import type { InletRecord } from '../types';
import { queryFirst } from '../validation';
import { validateXdm, type Violation } from '../xdm-validate';

type Params = { Params: { inletId: string } };

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

function headerValue(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function queryValue(req: FastifyRequest, name: string): string | undefined {
  return queryFirst((req.query as Record<string, unknown>)[name]);
}

interface Accepted {
  flowId: string;
  validated: boolean;
  /** Why the record fails ingestion after it was accepted (async validation), if it does. */
  failure?: string | undefined;
}

/** Checks one message; throws an HttpError (400) when DCS would refuse it synchronously. */
function checkMessage(
  ctx: EmulatorContext,
  req: FastifyRequest,
  binding: InletBinding,
  inletId: string,
  message: unknown,
  syncValidation: boolean,
): Accepted {
  const { scope, connectionId } = binding;
  const prefix = inletPrefix(inletId, scope.orgId);
  const conn = scope.maps.connection.get(connectionId);
  const params =
    (conn?.body.auth as { params?: Record<string, unknown> } | undefined)?.params ?? {};
  const dataType = params.dataType === 'raw' ? 'raw' : 'xdm';
  const msg = asObject(message);
  const header = asObject(msg?.header);
  const xdmEntity = asObject(asObject(msg?.body)?.xdmEntity);
  const schemaRefId = asObject(header?.schemaRef)?.id;

  if (dataType === 'xdm' && (!header || typeof schemaRefId !== 'string' || !xdmEntity)) {
    throw invalidMessage(prefix, 'Message has unknown xdm format');
  }
  if (header && header.imsOrgId !== undefined && header.imsOrgId !== scope.orgId) {
    throw invalidMessage(prefix, 'Message has an absent or wrong ims org in the header');
  }
  const bodyFlowId = typeof header?.flowId === 'string' ? header.flowId : undefined;
  const flowId =
    headerValue(req, 'x-adobe-flow-id') ?? queryValue(req, 'x-adobe-flow-id') ?? bodyFlowId;
  if (!flowId) {
    throw invalidMessage(
      prefix,
      'Message has no flow id (x-adobe-flow-id header or header.flowId)',
    );
  }
  const flow = scope.maps.flow.get(flowId);
  const routed =
    flow !== undefined &&
    (flow.body.sourceConnectionIds as string[]).some(
      (sid) => scope.maps.sourceConnection.get(sid)?.body.baseConnectionId === connectionId,
    );
  if (!flow || !routed) {
    throw invalidMessage(prefix, `Flow id [${flowId}] does not route this inlet`);
  }
  if (dataType === 'raw') return { flowId, validated: false };
  if (!syncValidation)
    return { flowId, validated: false, failure: streamingFailure(ctx, scope, flow, msg) };
  const refused = streamingValidation(ctx, scope, flow, msg);
  if (refused?.problem !== undefined) throw invalidMessage(prefix, refused.problem);
  if (refused) throw syncValidationFailed(prefix, refused.violations);
  return { flowId, validated: true };
}

/**
 * Streaming validation of an XDM message against the schema of its flow's dataset: undefined when
 * it passes, else the `problem` (no dataset or schema, another schemaRef) or the `violations`
 * (at most 5, as Adobe's validation stops there).
 */
function streamingValidation(
  ctx: EmulatorContext,
  scope: Scope,
  flow: Doc,
  msg: Record<string, unknown> | undefined,
): { problem: string } | { problem?: undefined; violations: Violation[] } | undefined {
  const schemaRefId = asObject(asObject(msg?.header)?.schemaRef)?.id;
  const dataset = datasetOfFlow(scope, flow);
  const schemaId = dataset ? schemaIdOfDataset(dataset) : undefined;
  const schema = schemaId === undefined ? undefined : ctx.state.findSchema(schemaId);
  if (!schema) return { problem: `The flow's dataset or its schema no longer exists` };
  if (schemaRefId !== schema.$id) {
    return {
      problem: `Message schemaRef [${String(schemaRefId)}] does not match the dataset schema [${schema.$id}]`,
    };
  }
  const violations = validateXdm(asObject(asObject(msg?.body)?.xdmEntity), schema, 5);
  return violations.length > 0 ? { violations } : undefined;
}

/** Why an XDM message accepted without syncValidation fails ingestion later, if it does. */
function streamingFailure(
  ctx: EmulatorContext,
  scope: Scope,
  flow: Doc,
  msg: Record<string, unknown> | undefined,
): string | undefined {
  const refused = streamingValidation(ctx, scope, flow, msg);
  if (!refused) return undefined;
  if (refused.problem !== undefined) return refused.problem;
  const [first] = refused.violations;
  return `Message is invalid: ${first?.pointerToViolation ?? '#'}: ${first?.message ?? 'schema violation'}`;
}

function record(
  ctx: EmulatorContext,
  binding: InletBinding,
  inletId: string,
  accepted: Accepted,
  message: unknown,
  receivedTimeMs: number,
  xid: string,
  batchId?: string,
): void {
  const conn = binding.scope.maps.connection.get(binding.connectionId);
  const params =
    (conn?.body.auth as { params?: Record<string, unknown> } | undefined)?.params ?? {};
  const rec: InletRecord = {
    inletId,
    flowId: accepted.flowId,
    sandbox: binding.scope.sandbox,
    connectionId: binding.connectionId,
    dataType: params.dataType === 'raw' ? 'raw' : 'xdm',
    xactionId: xid,
    ...(batchId === undefined ? {} : { batchId }),
    receivedTimeMs,
    validated: accepted.validated,
    ...(accepted.failure === undefined ? {} : { failure: accepted.failure }),
    message,
  };
  ctx.state.records.push(rec);
}

export function registerDcs(app: FastifyInstance, ctx: EmulatorContext): void {
  /** Inlet lookup and authorization happen before the body is read, as at DCS's edge. */
  const authorize = async (req: FastifyRequest<Params>) => {
    const { inletId } = req.params;
    const binding = ctx.state.inlets.get(inletId);
    if (!binding) throw inletNotFound(inletId);
    const conn = binding.scope.maps.connection.get(binding.connectionId);
    const params = (conn?.body.auth as { params?: Record<string, unknown> } | undefined)?.params;
    if (params?.authenticationRequired === true) {
      const token = bearerToken(req);
      if (token === undefined) throw inletTokenMissing(inletId);
      if (token === '' || ctx.tokens.check(token) !== 'valid') {
        throw inletTokenInvalid(inletId, ctx.opts.inletInvalidTokenStatus);
      }
    }
    req.emu.inlet = binding;
  };
  // fastify compares Content-Length with `receivedEncodedLength` of the stream it is handed.
  const gunzip = async (req: FastifyRequest, _reply: FastifyReply, payload: Readable) => {
    if (req.headers['content-encoding'] !== 'gzip') return payload;
    const inflated = createGunzip() as ReturnType<typeof createGunzip> & {
      receivedEncodedLength: number;
    };
    inflated.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      inflated.receivedEncodedLength += chunk.length;
    });
    return payload.pipe(inflated);
  };
  const routeOptions = {
    bodyLimit: ctx.opts.inletBodyLimitBytes,
    onRequest: authorize,
    preParsing: gunzip,
  };

  app.post<Params>('/collection/:inletId', routeOptions, async (req) => {
    const binding = req.emu.inlet;
    if (!binding) throw inletNotFound(req.params.inletId);
    if (req.body === undefined) throw dcsError(400, 'Invalid Message', 'Request body is empty');
    // Case-insensitive: aepp sends Python's `True`; Adobe's docs write `true` (docs/emulator.md).
    const syncValidation = queryValue(req, 'syncValidation')?.toLowerCase() === 'true';
    const accepted = checkMessage(ctx, req, binding, req.params.inletId, req.body, syncValidation);
    const receivedTimeMs = Date.now();
    const xid = xactionId(receivedTimeMs);
    record(ctx, binding, req.params.inletId, accepted, req.body, receivedTimeMs, xid);
    return {
      inletId: req.params.inletId,
      xactionId: xid,
      receivedTimeMs,
      syncValidation: accepted.validated ? { status: 'pass' } : { skipped: true },
    };
  });

  app.post<Params>('/collection/batch/:inletId', routeOptions, async (req, reply) => {
    const binding = req.emu.inlet;
    if (!binding) throw inletNotFound(req.params.inletId);
    const messages = asObject(req.body)?.messages;
    const prefix = inletPrefix(req.params.inletId, binding.scope.orgId);
    if (!Array.isArray(messages)) {
      throw dcsError(400, 'Invalid Message', `${prefix} Batch body must be {"messages": [...]}`);
    }
    const receivedTimeMs = Date.now();
    const batchId = xactionId(receivedTimeMs);
    const responses = messages.map((message, i) => {
      try {
        const accepted = checkMessage(ctx, req, binding, req.params.inletId, message, false);
        const xid = `${batchId}:${i}`;
        record(ctx, binding, req.params.inletId, accepted, message, receivedTimeMs, xid, batchId);
        return { xactionId: xid };
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        const report = (err.body as { report?: { message?: string } }).report;
        return {
          statusCode: err.status,
          message: report?.message ?? `${prefix} Message is invalid`,
        };
      }
    });
    return reply
      .code(207)
      .send({ inletId: req.params.inletId, batchId, receivedTimeMs, responses });
  });
}
