import { z } from 'zod';
import type { SourceKey } from './shared/names';

/**
 * The requests: validated by the client before a workflow starts, and again by the workflow's
 * first activity (other clients are held to the same rules). Workflows import only the types.
 */

// Checked with refine, not regex: a `\p{…}` pattern would enter the JSON Schema contract, and
// validators without Unicode property escapes (Python's `re`) could not compile it.
const CONTROL_OR_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const printable = (s: string) => !CONTROL_OR_INVISIBLE.test(s);

/**
 * Names are identities (workflow id, lookup key, ownership marker), taken as people write them.
 * Refused is what cannot be a name: characters a UI, header or log line cannot carry (U+200D is
 * allowed: emoji are made of it); edge whitespace (some servers trim); `.` or `..` (path
 * segments); a name not in NFC, refused rather than normalized: two forms would be two sources.
 */
const REFUSED_CHARACTER = /(?!\u200D)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

function describeCharacter(ch: string): string {
  const hex = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = /\p{Cc}/u.test(ch)
    ? 'a control character'
    : /\p{Cf}/u.test(ch)
      ? 'an invisible formatting character'
      : /[\p{Zl}\p{Zp}]/u.test(ch)
        ? 'a line separator'
        : 'half of a surrogate pair';
  return `${hex} (${what})`;
}

const text = (what: string) => z.string({ error: `${what} must be a string` });
const flag = (what: string) => z.boolean({ error: `${what} must be true or false` });
const bounded = (what: string, max: number) =>
  text(what).min(1, `${what} is empty`).max(max, `${what} is longer than ${max} characters`);

const resourceName = (what: string) =>
  bounded(what, 128).superRefine((name, ctx) => {
    const chars = [...name];
    const bad = chars.findIndex((c) => REFUSED_CHARACTER.test(c));
    const problem =
      bad >= 0
        ? `may contain only printable characters: character ${bad + 1} is ${describeCharacter(chars[bad]!)}`
        : name.trim() !== name
          ? 'must not start or end with whitespace'
          : name === '.' || name === '..'
            ? 'must not be "." or ".."'
            : name.normalize('NFC') !== name
              ? `must be in Unicode NFC form (composed characters), as ${JSON.stringify(name.normalize('NFC'))}`
              : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });

const freeText = (what: string, max: number) =>
  text(what)
    .max(max, `${what} is longer than ${max} characters`)
    .refine(printable, `${what} contains control or invisible characters`);

export const IMS_ORG_ID = /^[A-Za-z0-9]+@AdobeOrg$/;

const imsOrgId = text('imsOrg').regex(
  IMS_ORG_ID,
  'imsOrg must look like 5C1328435BF324E90A49402A@AdobeOrg',
);

const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const sandboxName = text('sandbox').regex(
  SLUG,
  'sandbox must be a lowercase Platform sandbox name (a-z, 0-9, -)',
);

/** An apply set's id: a path segment and a token of the source's ownership marker. */
export const applySetId = text('applySet').regex(
  SLUG,
  'applySet must be 1 to 64 of a-z, 0-9 and -, starting with a letter or digit',
);

const XDM_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export const mappingSchema = z.strictObject({
  sourceAttribute: bounded('sourceAttribute', 256)
    .refine(printable, 'sourceAttribute contains control characters')
    .refine((s) => s.trim() === s, 'sourceAttribute has leading or trailing spaces'),
  destinationXdmPath: bounded('destinationXdmPath', 256).regex(
    XDM_PATH,
    'destinationXdmPath must be a dotted XDM path such as person.name.firstName',
  ),
  identity: flag('identity').default(false),
});

/**
 * Ids of the source's resources as its last operation left them: read by id while AEP's lists may
 * not show them yet, each checked to be this source's. Not desired state.
 */
const knownResources = z
  .strictObject({
    baseConnectionId: z.string().max(200).optional(),
    sourceConnectionId: z.string().max(200).optional(),
    targetConnectionId: z.string().max(200).optional(),
    mappingSetId: z.string().max(200).optional(),
    flowId: z.string().max(200).optional(),
    datasetId: z.string().max(200).optional(),
  })
  .optional();

export const provisionRequestSchema = z.strictObject({
  name: resourceName('name'),
  description: freeText('description', 500).optional(),
  imsOrg: imsOrgId.optional(),
  sandbox: sandboxName.optional(),
  dataType: z.enum(['xdm', 'raw'], { error: 'dataType must be "xdm" or "raw"' }),
  authentication: z.strictObject({ required: flag('authentication.required') }).optional(),
  target: z
    .strictObject({
      schemaId: text('target.schemaId')
        .max(512, 'target.schemaId is too long')
        .regex(
          /^https:\/\/ns\.adobe\.com\/[A-Za-z0-9_.\-/]+$/,
          'target.schemaId must be an XDM schema $id such as https://ns.adobe.com/{TENANT}/schemas/{ID}',
        ),
      datasetId: text('target.datasetId')
        .regex(
          /^[0-9a-f]{24}$/,
          'target.datasetId must be a Catalog dataset id (24 hex characters)',
        )
        .optional(),
      // Named: shared by every source that names it. Unnamed: the source's own, named after it.
      dataset: z
        .strictObject({
          name: resourceName('target.dataset.name').optional(),
          description: freeText('target.dataset.description', 500).optional(),
        })
        .optional(),
    })
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
    .strictObject({
      /** Adobe asks for about 5 minutes between flow creation and the first record. */
      activationWaitSeconds: z
        .number({ error: 'smokeTest.activationWaitSeconds must be a number' })
        .int('smokeTest.activationWaitSeconds must be a whole number')
        .min(0, 'smokeTest.activationWaitSeconds must be >= 0')
        .max(86_400, 'smokeTest.activationWaitSeconds must be <= 86400')
        .default(300),
      /** Raw JSON, or the xdmEntity of an XDM message; a default otherwise. */
      record: z
        .record(z.string(), z.unknown(), { error: 'smokeTest.record must be an object' })
        .optional(),
      /** Also send it when nothing changed. */
      always: flag('smokeTest.always').optional(),
    })
    .optional(),
  /** Replace the source (new inlet URL) for a change AEP cannot make in place. */
  replace: flag('replace').optional(),
  /** The apply set the source belongs to (`apply --prune` tears down the rest). Absent: unchanged. */
  applySet: applySetId.optional(),
  known: knownResources,
});

export type ProvisionRequestInput = z.input<typeof provisionRequestSchema>;
/** Where a request naming no org or sandbox goes: the client's (or worker's) settings. */
export type Place = Omit<SourceKey, 'name'>;

export function placeOf(config: { AEP_ORG_ID: string; AEP_SANDBOX: string }): Place {
  return { imsOrg: config.AEP_ORG_ID, sandbox: config.AEP_SANDBOX };
}

/** A request after validation, with org and sandbox resolved. */
export type ProvisionRequest = z.output<typeof provisionRequestSchema> & Place;

export const deprovisionRequestSchema = z
  .strictObject({
    imsOrg: imsOrgId.optional(),
    sandbox: sandboxName.optional(),
    name: resourceName('name').optional(),
    flowId: text('flowId')
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'flowId must be a UUID',
      )
      .optional(),
    /** Nothing left to delete is no error (set after cancelling a compensating provisioning). */
    ifExists: flag('ifExists').optional(),
    /** Also delete the dataset we created, with its data, when no other source writes to it. */
    deleteDataset: flag('deleteDataset').optional(),
    known: knownResources,
  })
  .refine((r) => (r.name === undefined) !== (r.flowId === undefined), {
    message: 'give exactly one of name or flowId',
  });
export type DeprovisionRequestInput = z.input<typeof deprovisionRequestSchema>;
export type DeprovisionRequest = z.output<typeof deprovisionRequestSchema> & Place;

export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
  constructor(readonly problems: string[]) {
    super(`Invalid request: ${problems.join('; ')}`);
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

/** Throws InvalidRequestError naming every bad field. */
function parse<S extends z.ZodType<Partial<Place>>>(schema: S, input: unknown, place: Place) {
  const r = schema.safeParse(input);
  if (!r.success) throw new InvalidRequestError(problemsOf(r.error));
  return {
    ...r.data,
    imsOrg: r.data.imsOrg ?? place.imsOrg,
    sandbox: r.data.sandbox ?? place.sandbox,
  };
}

export const parseProvisionRequest = (input: unknown, place: Place): ProvisionRequest =>
  parse(provisionRequestSchema, input, place);

export const parseDeprovisionRequest = (input: unknown, place: Place): DeprovisionRequest =>
  parse(deprovisionRequestSchema, input, place);
