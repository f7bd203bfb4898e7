import { parsePayloadKeys } from '../codec/keys';
import { flag, parsedBy } from './fields';

/** The Temporal UI on loopback: the compose stack's (8080) and the dev server's (8233). */
const DEFAULT_CODEC_ORIGINS =
  'http://127.0.0.1:8080,http://localhost:8080,http://127.0.0.1:8233,http://localhost:8233';

/**
 * Payload encryption, read wherever payloads enter or leave Temporal (worker, client, API): what
 * goes into Temporal is encrypted, and read back, with the same keys on every side.
 */
export const payloadKeyFields = {
  /**
   * Payload encryption (docs/encryption.md): `id:base64key,id2:base64key`, AES-256 keys of 32
   * bytes. The first encrypts, all decrypt. Unset: nothing is encrypted. Never logged.
   */
  PAYLOAD_ENCRYPTION_KEYS: parsedBy(parsePayloadKeys, 'ring').optional(),
};

/** The HTTP API's codec endpoint for the Temporal UI (`/codec`). */
export const codecEndpointFields = {
  /**
   * Origins of the Temporal UI allowed to call the codec endpoint (`/codec`, CORS), comma-separated:
   * the compose stack's UI and the dev server's, on loopback.
   */
  API_CODEC_ORIGINS: parsedBy(parseCodecOrigins, 'origins').prefault(DEFAULT_CODEC_ORIGINS),
  /**
   * The codec endpoint answers without an API key: for a Temporal UI without a login of its own,
   * which cannot send one. Whoever reaches the API can then decrypt payloads.
   */
  API_CODEC_ANONYMOUS: flag('API_CODEC_ANONYMOUS').default(false),
};

/** Parses API_CODEC_ORIGINS: comma-separated origins, each http(s)://host[:port]. */
export function parseCodecOrigins(raw: string): { origins: string[]; problems: string[] } {
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const problems = origins
    .filter((o) => !isOrigin(o))
    .map(
      (o) =>
        `API_CODEC_ORIGINS: ${o.slice(0, 100)} is not an origin (http(s)://host[:port], no path)`,
    );
  return { origins, problems };
}

function isOrigin(o: string): boolean {
  try {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
  } catch {
    return false;
  }
}
