/**
 * Schema Registry lookups (`/data/foundation/schemaregistry`): `GET /{tenant|global}/schemas/{id}`
 * by URL-encoded `$id` or `meta:altId`, with the versioned Accept header Adobe requires (missing,
 * not an xed/xdm type, or no `version` → 400 XDM-1007-400; a format or version it cannot serve →
 * 406), and a small one-page `GET /{container}/schemas` listing (bad Accept → 400 XDM-1006-400).
 * Schemas come from the fixture file and the control API.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context';
import { SCHEMA_BASE } from '../errors/http-error';
import {
  acceptInvalidList,
  acceptInvalidLookup,
  acceptUnavailable,
  schemaNotFound,
} from '../errors/xdm';
import type { XdmSchema } from '../types';

/** Formats a single-schema GET can be asked for (all served from the same resolved document). */
const SCHEMA_FORMATS = new Set([
  'xed',
  'xed-full',
  'xed-notext',
  'xed-full-notext',
  'xed-full-desc',
  'xed-deprecatefield',
]);

/**
 * `application/vnd.adobe.{xed|xdm}[-variant…]+json[; version=N]`. The `xdm` spelling is what aepp
 * sends for schema lookups (`xdm-full`) and lists (`xdm-id`); it is served as the `xed` variant.
 */
const ACCEPT_RE =
  /application\/vnd\.adobe\.(x(?:ed|dm)(?:-[a-z]+)*)\+json\s*(?:;\s*version\s*=\s*"?([^\s;,"]+)"?)?/i;

interface AcceptChoice {
  format: string;
  version: string | undefined;
}

function parseAccept(req: FastifyRequest): AcceptChoice | undefined {
  const accept = req.headers.accept;
  const m = accept === undefined ? null : ACCEPT_RE.exec(accept);
  if (!m) return undefined;
  return { format: (m[1] ?? '').toLowerCase().replace(/^xdm/, 'xed'), version: m[2] };
}

const containerOf = (s: XdmSchema) => s['meta:containerId'] ?? 'tenant';

function requireAccept(
  req: FastifyRequest,
  formats: ReadonlySet<string>,
  invalid: (accept: string | undefined) => Error,
): AcceptChoice {
  const choice = parseAccept(req);
  if (!choice) throw invalid(req.headers.accept);
  if (!formats.has(choice.format)) throw acceptUnavailable(String(req.headers.accept));
  return choice;
}

const LIST_FORMATS = new Set(['xed-id', ...SCHEMA_FORMATS]);

export function registerSchemaRegistry(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const container of ['tenant', 'global'] as const) {
    app.get<{ Params: { id: string } }>(`${SCHEMA_BASE}/${container}/schemas/:id`, async (req) => {
      const choice = requireAccept(req, SCHEMA_FORMATS, acceptInvalidLookup);
      if (choice.version === undefined) throw acceptInvalidLookup(req.headers.accept);
      if (!/^1(\.\d+)?$/.test(choice.version)) throw acceptUnavailable(String(req.headers.accept));
      const schema = ctx.state.findSchema(req.params.id);
      if (!schema || containerOf(schema) !== container) throw schemaNotFound(req.params.id);
      return schema;
    });

    const listSchemas = async (req: FastifyRequest) => {
      // Absolute, on the emulator's origin, as Adobe's is on platform.adobe.io.
      const globalSchemasHref = `${ctx.url}${SCHEMA_BASE}/global/schemas`;
      const choice = requireAccept(req, LIST_FORMATS, acceptInvalidList);
      const schemas = ctx.state.allSchemas().filter((s) => containerOf(s) === container);
      const results =
        choice.format === 'xed-id'
          ? schemas.map((s) => ({
              $id: s.$id,
              'meta:altId': s['meta:altId'],
              version: (s.version as string | undefined) ?? '1.0',
              title: s.title,
            }))
          : schemas;
      return {
        results,
        _page: { orderby: 'title', next: null, count: results.length },
        // listSchemasResponse → linksSchemas (schema-registry.yaml; example in listResponseBasic):
        // `next` is null on the last page, which is every page here (no paging).
        _links: { next: null, global_schemas: { href: globalSchemasHref } },
      };
    };
    app.get(`${SCHEMA_BASE}/${container}/schemas`, listSchemas);
    // `…/schemas/` is the list too, not a lookup of an empty id.
    app.get(`${SCHEMA_BASE}/${container}/schemas/`, listSchemas);
  }
}
