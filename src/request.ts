import { z } from 'zod';

/**
 * The provisioning request: validated by the client before a workflow starts (so bad input costs
 * no AEP call and no workflow), and again by the workflow's first activity (so a request started
 * by another client, or an old one replayed, is held to the same rules). Workflows import only
 * the inferred types from here, never zod itself.
 */

const CONTROL_OR_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * Source and dataset names are identities (workflow id, lookup key in Flow Service filters), so
 * they are kept to letters of any script, digits, spaces and a few separators; quotes, `&`, `=`,
 * commas, emoji and invisible characters are refused rather than escaped.
 */
const NAME_PATTERN = /^[\p{L}\p{N}](?:[\p{L}\p{N} _.\-:()]{0,126}[\p{L}\p{N}_.\-:()])?$/u;

const resourceName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} is empty`)
    .max(128, `${what} is longer than 128 characters`)
    .regex(
      NAME_PATTERN,
      `${what} may contain only letters, digits, spaces and _ . - : ( ), must start with a letter or digit and not end with a space`,
    );

const freeText = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .max(max, `${what} is longer than ${max} characters`)
    .refine(
      (s) => !CONTROL_OR_INVISIBLE.test(s),
      `${what} contains control or invisible characters`,
    );

export const sandboxName = z
  .string({ error: 'sandbox must be a string' })
  .regex(
    /^[a-z0-9][a-z0-9-]{0,63}$/,
    'sandbox must be a lowercase Platform sandbox name (a-z, 0-9, -)',
  );

const XDM_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export const mappingSchema = z
  .object({
    sourceAttribute: z
      .string({ error: 'sourceAttribute must be a string' })
      .min(1, 'sourceAttribute is empty')
      .max(256, 'sourceAttribute is longer than 256 characters')
      .refine((s) => !CONTROL_OR_INVISIBLE.test(s), 'sourceAttribute contains control characters')
      .refine((s) => s.trim() === s, 'sourceAttribute has leading or trailing spaces'),
    destinationXdmPath: z
      .string({ error: 'destinationXdmPath must be a string' })
      .min(1, 'destinationXdmPath is empty')
      .max(256, 'destinationXdmPath is longer than 256 characters')
      .regex(
        XDM_PATH,
        'destinationXdmPath must be a dotted XDM path such as person.name.firstName',
      ),
    identity: z.boolean({ error: 'identity must be true or false' }).default(false),
  })
  .strict();

export const provisionRequestSchema = z
  .object({
    name: resourceName('name'),
    description: freeText('description', 500).optional(),
    sandbox: sandboxName.optional(),
    dataType: z.enum(['xdm', 'raw'], { error: 'dataType must be "xdm" or "raw"' }),
    authentication: z
      .object({ required: z.boolean({ error: 'authentication.required must be true or false' }) })
      .strict()
      .optional(),
    target: z
      .object({
        schemaId: z
          .string({ error: 'target.schemaId must be a string' })
          .max(512, 'target.schemaId is too long')
          .regex(
            /^https:\/\/ns\.adobe\.com\/[A-Za-z0-9_.\-/]+$/,
            'target.schemaId must be an XDM schema $id such as https://ns.adobe.com/{TENANT}/schemas/{ID}',
          ),
        datasetId: z
          .string({ error: 'target.datasetId must be a string' })
          .regex(
            /^[0-9a-f]{24}$/,
            'target.datasetId must be a Catalog dataset id (24 hex characters)',
          )
          .optional(),
        dataset: z
          .object({
            name: resourceName('target.dataset.name'),
            description: freeText('target.dataset.description', 500).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((t) => (t.datasetId === undefined) !== (t.dataset === undefined), {
        message:
          'target needs exactly one of datasetId (use an existing dataset) or dataset (create one)',
      }),
    mappings: z
      .array(mappingSchema, { error: 'mappings must be an array' })
      .min(1, 'mappings is empty: omit it for a flow without Data Prep mapping')
      .max(500, 'mappings has more than 500 entries')
      .refine(
        (ms) => new Set(ms.map((m) => m.destinationXdmPath)).size === ms.length,
        'mappings map two source attributes to the same destinationXdmPath',
      )
      .optional(),
    smokeTest: z
      .object({
        /** Adobe asks for about 5 minutes between flow creation and the first record. */
        activationWaitSeconds: z
          .number({ error: 'smokeTest.activationWaitSeconds must be a number' })
          .int('smokeTest.activationWaitSeconds must be a whole number')
          .min(0, 'smokeTest.activationWaitSeconds must be >= 0')
          .max(86_400, 'smokeTest.activationWaitSeconds must be <= 86400')
          .default(300),
        /** The record to send (raw JSON, or the xdmEntity of an XDM message); a default otherwise. */
        record: z
          .record(z.string(), z.unknown(), { error: 'smokeTest.record must be an object' })
          .optional(),
        /**
         * Also send the record when nothing changed. By default a re-run that changes nothing
         * sends none (no record lands in a production dataset on every re-apply).
         */
        always: z.boolean({ error: 'smokeTest.always must be true or false' }).optional(),
      })
      .strict()
      .optional(),
    /**
     * Allow changes AEP cannot make in place (data type, authentication, schema, dataset): the
     * source is torn down and created again, with a new inlet URL. Without it such a change is
     * refused with ExistingSourceDiffers, naming each field.
     */
    replace: z.boolean({ error: 'replace must be true or false' }).optional(),
  })
  .strict();

/** What callers write (defaults not yet applied). */
export type ProvisionRequestInput = z.input<typeof provisionRequestSchema>;
/** A request after validation, with the sandbox resolved. */
export type ProvisionRequest = z.output<typeof provisionRequestSchema> & { sandbox: string };

export const deprovisionRequestSchema = z
  .object({
    sandbox: sandboxName.optional(),
    name: resourceName('name').optional(),
    flowId: z
      .string({ error: 'flowId must be a string' })
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'flowId must be a UUID',
      )
      .optional(),
    /**
     * A source with nothing left to delete is not an error (the client sets it after cancelling
     * an open provisioning, whose compensation may have deleted everything already).
     */
    ifExists: z.boolean({ error: 'ifExists must be true or false' }).optional(),
  })
  .strict()
  .refine((r) => (r.name === undefined) !== (r.flowId === undefined), {
    message: 'give exactly one of name or flowId',
  });
export type DeprovisionRequestInput = z.input<typeof deprovisionRequestSchema>;
export type DeprovisionRequest = z.output<typeof deprovisionRequestSchema> & { sandbox: string };

export class InvalidRequestError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid request: ${problems.join('; ')}`);
    this.name = 'InvalidRequestError';
  }
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const where = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      return `${where ? `${where}: ` : ''}unknown field(s) ${i.keys.join(', ')}`;
    }
    return where && !i.message.startsWith(where) ? `${where}: ${i.message}` : i.message;
  });
}

/** Validates and normalizes; throws InvalidRequestError naming every bad field. */
export function parseProvisionRequest(input: unknown, defaultSandbox: string): ProvisionRequest {
  const r = provisionRequestSchema.safeParse(input);
  if (!r.success) throw new InvalidRequestError(problemsOf(r.error));
  return { ...r.data, sandbox: r.data.sandbox ?? defaultSandbox };
}

export function parseDeprovisionRequest(
  input: unknown,
  defaultSandbox: string,
): DeprovisionRequest {
  const r = deprovisionRequestSchema.safeParse(input);
  if (!r.success) throw new InvalidRequestError(problemsOf(r.error));
  return { ...r.data, sandbox: r.data.sandbox ?? defaultSandbox };
}
