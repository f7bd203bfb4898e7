import { format, inspect } from 'node:util';
import pino from 'pino';
import { parseConfig } from '../../src/config';

/**
 * Secrets of the configuration never reach output: AEP_CLIENT_SECRET is a Secret (revealed only
 * to the IMS token request), TEMPORAL_API_KEY is kept as a mask (envconfig reads the value).
 */

const SECRET = 'p8e-Sup3rS3cretValue-4f2a9c';
const TEMPORAL_KEY = 'tmprl-api-key-7b1e0d55aa';

const config = () =>
  parseConfig({
    AEP_CLIENT_ID: 'id',
    AEP_CLIENT_SECRET: SECRET,
    AEP_ORG_ID: '5C1328435BF324E90A49402A@AdobeOrg',
    TEMPORAL_API_KEY: TEMPORAL_KEY,
  });

/** A log line as the API and the worker write them (pino, JSON). */
function logLine(c: object): string {
  let line = '';
  pino({}, { write: (s: string) => (line += s) }).info({ config: c }, 'configuration');
  return line;
}

test('the parsed configuration, printed every way, holds neither secret', () => {
  const c = config();
  const printed = [
    JSON.stringify(c),
    JSON.stringify({ config: c }),
    inspect(c, { depth: Infinity, showHidden: true }),
    format('%o %O %j %s', c, c, c, c.AEP_CLIENT_SECRET),
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- printed by mistake
    `${c.AEP_CLIENT_SECRET}`,
    String(c.AEP_CLIENT_SECRET),
    logLine(c),
  ];
  for (const text of printed) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TEMPORAL_KEY);
  }
  expect(JSON.stringify(c)).toContain('"AEP_CLIENT_SECRET":"[redacted]"');
  expect(inspect(c)).toContain('[redacted]');
});

test('the token request can still read the secret', () => {
  expect(config().AEP_CLIENT_SECRET.reveal()).toBe(SECRET);
});
