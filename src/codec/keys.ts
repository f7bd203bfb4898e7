import { inspect } from 'node:util';

/**
 * The payload encryption keys (PAYLOAD_ENCRYPTION_KEYS, `id:base64key,…`, AES-256): the first
 * encrypts, every key decrypts (rotation: docs/encryption.md). The key material never appears in
 * a message, a log line, JSON or util.inspect: only the ids do.
 */

const KEY_BYTES = 32;

export class PayloadKeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The id of the key that encrypts (the first one). */
  readonly currentId: string;

  /** `entries`: at least one, each of KEY_BYTES bytes (parsePayloadKeys checks both). */
  constructor(entries: ReadonlyArray<readonly [id: string, key: Buffer]>) {
    this.#keys = new Map(entries.map(([id, key]) => [id, Buffer.from(key)]));
    this.currentId = entries[0]![0];
  }

  /** Every id, the encrypting one first. */
  get ids(): string[] {
    return [...this.#keys.keys()];
  }

  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  describe(): string {
    return `encrypts with ${this.currentId}; decrypts ${this.ids.join(', ')}`;
  }

  toJSON(): { encryptsWith: string; keyIds: string[] } {
    return { encryptsWith: this.currentId, keyIds: this.ids };
  }

  toString(): string {
    return `PayloadKeyRing(${this.describe()})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Parses PAYLOAD_ENCRYPTION_KEYS; every problem is listed, none repeats key material. */
export function parsePayloadKeys(raw: string) {
  const entries: Array<[string, Buffer]> = [];
  const parts = raw.split(',').flatMap((p) => p.trim() || []);
  const problems = parts.length ? [] : ['PAYLOAD_ENCRYPTION_KEYS: no key (id:base64key,…)'];
  parts.forEach((part, i) => {
    const where = `PAYLOAD_ENCRYPTION_KEYS: entry ${i + 1}`;
    const colon = part.indexOf(':');
    const id = part.slice(0, colon).trim();
    const encoded = part.slice(colon + 1).trim();
    const key = Buffer.from(encoded, 'base64');
    const problem =
      colon < 0
        ? `${where} must be id:base64key`
        : !/^[A-Za-z0-9_.-]{1,64}$/.test(id)
          ? `${where}: the id must be 1-64 of A-Z a-z 0-9 _ . -`
          : !/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)
            ? `${where} (${id}): the key is not base64`
            : key.length !== KEY_BYTES
              ? `${where} (${id}): the key is ${key.length} bytes, AES-256 needs ${KEY_BYTES} (make one: openssl rand -base64 32)`
              : entries.some(([other]) => other === id)
                ? `PAYLOAD_ENCRYPTION_KEYS: id ${id} appears twice`
                : undefined;
    if (problem === undefined) entries.push([id, key]);
    else problems.push(problem);
  });
  return { ring: problems.length ? undefined : new PayloadKeyRing(entries), problems };
}
