/** Schema Registry: one schema by `$id` (or `meta:altId`). */
import { SCHEMA_REGISTRY_PATH, type AepHttp } from './http';
import { xdmSchemaSchema } from './schemas';
import type { XdmSchema } from './types';

const SCHEMA_ACCEPT = 'application/vnd.adobe.xed+json; version=1';

export function schemaRegistryApi({ platform, parse }: AepHttp) {
  return {
    /** The schema with this `$id` (or `meta:altId`), or null if the sandbox has none. */
    async getSchema(
      sandbox: string,
      schemaId: string,
      signal?: AbortSignal,
    ): Promise<XdmSchema | null> {
      const ctx = { operation: 'schemaregistry.getSchema', resource: schemaId };
      const res = await platform({
        ...ctx,
        method: 'get',
        path: `${SCHEMA_REGISTRY_PATH}/${schemaContainer(schemaId)}/schemas/${encodeURIComponent(schemaId)}`,
        headers: { accept: SCHEMA_ACCEPT },
        sandbox,
        signal,
        allow: [404],
      });
      if (res.status === 404) return null;
      return parse(xdmSchemaSchema, res, ctx);
    },
  };
}

/** Adobe-owned schemas live in the global container, everything else in the tenant's. */
export function schemaContainer(schemaId: string): 'global' | 'tenant' {
  return /^https?:\/\/ns\.adobe\.com\/xdm\//i.test(schemaId) ? 'global' : 'tenant';
}
