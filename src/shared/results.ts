/**
 * Result and progress shapes of the workflows, shared by workflows, client and tests: the types of
 * their zod schemas (src/api/result-schemas.ts, which also give the HTTP API's and the JSON
 * Schemas' shapes), so each is written once. Type-only: workflow code may import it.
 */
import type { z } from 'zod';
import type {
  deprovisionResultSchema,
  provisionProgressSchema,
  provisionResultSchema,
  resourceRefSchema,
  smokeTestResultSchema,
} from '../api/result-schemas';

/** The smoke-test record's answer. */
export type SmokeTestResult = z.output<typeof smokeTestResultSchema>;

/** A resource a run created (`created`) or found; `owned: false` for a dataset named by id. */
export type ResourceRef = z.output<typeof resourceRefSchema>;

export type ProvisionResult = z.output<typeof provisionResultSchema>;

/** The `progress` query of a provisioning. */
export type ProvisionProgress = z.output<typeof provisionProgressSchema>;

export type ProvisionStatus = ProvisionProgress['status'];

/** One delete of a compensation; `kept`: a dataset not this run's to delete (why in `error`). */
export type CompensationOutcome = ProvisionProgress['compensation'][number];

/**
 * What a failed or cancelled provisioning leaves of the source: `absent` (a new source: what the
 * run created is deleted), `previous` (a change: the source as it was, its flow unchanged) or
 * `new` (a change past its switch: the new flow carries the inlet, the old one is gone).
 */
export type SourceState = NonNullable<ProvisionProgress['sourceState']>;

export type DeprovisionResult = z.output<typeof deprovisionResultSchema>;
