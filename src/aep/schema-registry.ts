/** Schema Registry: one schema by `$id` (or `meta:altId`). */
import type { SchemaRegistryApi } from './api';
import { getOne } from './calls';
import { SCHEMA_REGISTRY_PATH, type AepHttp } from './http';
import { xdmSchemaSchema } from './schemas';

const SCHEMA_ACCEPT = 'application/vnd.adobe.xed+json; version=1';

export function schemaRegistryApi(http: AepHttp): SchemaRegistryApi {
  return {
    async getSchema(sandbox, schemaId, signal) {
      return getOne(http, xdmSchemaSchema, {
        operation: 'schemaregistry.getSchema',
        resource: schemaId,
        path: `${SCHEMA_REGISTRY_PATH}/${schemaContainer(schemaId)}/schemas/${encodeURIComponent(schemaId)}`,
        headers: { accept: SCHEMA_ACCEPT },
        sandbox,
        signal,
      });
    },
  };
}

/** Adobe-owned schemas live in the global container, everything else in the tenant's. */
export function schemaContainer(schemaId: string): 'global' | 'tenant' {
  return /^https?:\/\/ns\.adobe\.com\/xdm\//i.test(schemaId) ? 'global' : 'tenant';
}
