import type { ProvisionRequestInput } from '../src/request';

/**
 * The sources a chaos run provisions: the product's four variants (xdm/raw × open/authenticated)
 * and the Data Prep mapping variant, in rotation, over both emulator sandboxes. Names are unique
 * per run (a run has its own Temporal database and emulator, so they need not be unique across runs).
 */

export const SCHEMA_ID =
  'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

export interface Variant {
  label: string;
  dataType: 'xdm' | 'raw';
  authenticated: boolean;
  mapping: boolean;
}

export const VARIANTS: readonly Variant[] = [
  { label: 'xdm open', dataType: 'xdm', authenticated: false, mapping: false },
  { label: 'xdm authenticated', dataType: 'xdm', authenticated: true, mapping: false },
  { label: 'raw open', dataType: 'raw', authenticated: false, mapping: false },
  { label: 'raw authenticated', dataType: 'raw', authenticated: true, mapping: false },
  { label: 'raw with mapping', dataType: 'raw', authenticated: false, mapping: true },
];

export interface SourceSpec {
  index: number;
  sandbox: string;
  name: string;
  variant: Variant;
  request: ProvisionRequestInput;
}

export interface SourceOptions {
  /** Name prefix, e.g. `chaos 7` (letters, digits, spaces, `_ . - : ( )`). */
  prefix: string;
  /** Send one smoke record after the flow is created (every third source when 'some'). */
  smokeTest?: 'none' | 'some' | 'all';
  sandboxes?: readonly string[];
}

export function sourceSpec(index: number, variant: Variant, opts: SourceOptions): SourceSpec {
  const sandboxes = opts.sandboxes ?? ['prod', 'dev'];
  const sandbox = sandboxes[index % sandboxes.length] ?? 'prod';
  const name = `${opts.prefix} ${String(index).padStart(4, '0')} ${variant.label}`;
  const smoke =
    opts.smokeTest === 'all' || (opts.smokeTest === 'some' && index % 3 === 0)
      ? { smokeTest: { activationWaitSeconds: 0 } }
      : {};
  const request: ProvisionRequestInput = {
    name,
    sandbox,
    description: `chaos source ${index} (${variant.label})`,
    dataType: variant.dataType,
    ...(variant.authenticated ? { authentication: { required: true } } : {}),
    // Odd sources get their own dataset (no name); even ones name one of their own.
    target: { schemaId: SCHEMA_ID, dataset: index % 2 === 1 ? {} : { name: `${name} ds` } },
    ...(variant.mapping
      ? {
          mappings: [
            { sourceAttribute: 'id', destinationXdmPath: '_id' },
            { sourceAttribute: 'firstName', destinationXdmPath: 'person.name.firstName' },
          ],
        }
      : {}),
    ...smoke,
  };
  return { index, sandbox, name, variant, request };
}

/** `count` sources, variants in rotation. */
export function sources(count: number, opts: SourceOptions): SourceSpec[] {
  return Array.from({ length: count }, (_, i) =>
    sourceSpec(i, VARIANTS[i % VARIANTS.length] as Variant, opts),
  );
}

export const sourceKey = (sandbox: string, name: string) => `${sandbox}/${name}`;
