import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, parseApiConfig, parseClientConfig } from '../../src/config';
import { connectionOptions } from '../../src/connection';

/**
 * The Temporal connection by Temporal's conventions (@temporalio/envconfig): each form a
 * provisioning system uses, and every problem reported at once with the rest of the config.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'aep-conn-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');

/** The org every client names (the sources' identity); not a connection setting. */
const ORG = { AEP_ORG_ID: '5C1328435BF324E90A49402A@AdobeOrg' };

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

test('plain: address and namespace from the environment, no TLS', () => {
  const c = parseClientConfig({
    ...ORG,
    TEMPORAL_ADDRESS: 'temporal:7233',
    TEMPORAL_NAMESPACE: 'ops',
  });
  expect(connectionOptions(c)).toEqual({ address: 'temporal:7233' });
  expect(c.TEMPORAL_NAMESPACE).toBe('ops');
  expect(c.temporal?.describe()).toBe('plaintext, no credentials (environment)');
});

test('Temporal Cloud: an API key turns TLS on; the key never prints', () => {
  const c = parseClientConfig({
    ...ORG,
    TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'acme.a1b2c',
    TEMPORAL_API_KEY: 'secret-cloud-key',
  });
  expect(connectionOptions(c)).toMatchObject({ apiKey: 'secret-cloud-key', tls: true });
  expect(JSON.stringify(c)).not.toContain('secret-cloud-key');
  expect(inspect(c)).not.toContain('secret-cloud-key');
});

test('mTLS: client certificate, key and CA from files', () => {
  const c = parseClientConfig({
    ...ORG,
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  });
  const tls = connectionOptions(c).tls as Record<string, unknown>;
  expect(tls.serverNameOverride).toBe('temporal.internal');
  expect(Buffer.from((tls.clientCertPair as { crt: Uint8Array }).crt).toString()).toContain(
    'BEGIN CERTIFICATE',
  );
  expect(Buffer.from(tls.serverRootCACertificate as Uint8Array).toString()).toContain('MIIC');
  expect(c.temporal?.describe()).toBe('TLS, mTLS (environment)');
});

test('a temporal.toml profile; the environment wins over it', () => {
  const toml = file(
    'temporal.toml',
    [
      '[profile.cloud]',
      'address = "acme.tmprl.cloud:7233"',
      'namespace = "acme.prod"',
      'api_key = "profile-key"',
    ].join('\n'),
  );
  const c = parseClientConfig({ ...ORG, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
  expect(c.TEMPORAL_ADDRESS).toBe('acme.tmprl.cloud:7233');
  expect(c.TEMPORAL_NAMESPACE).toBe('acme.prod');
  expect(connectionOptions(c)).toMatchObject({ apiKey: 'profile-key', tls: true });
  const overridden = parseClientConfig({
    ...ORG,
    TEMPORAL_CONFIG_FILE: toml,
    TEMPORAL_PROFILE: 'cloud',
    TEMPORAL_NAMESPACE: 'acme.dev',
  });
  expect(overridden.TEMPORAL_NAMESPACE).toBe('acme.dev');
});

test('every connection and API problem at once', () => {
  const problems = problemsOf(() =>
    parseApiConfig({
      ...ORG,
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem'),
      TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml'),
      TEMPORAL_TLS: 'maybe',
      API_HOST: '0.0.0.0',
      API_ALLOW_ANONYMOUS: 'true',
      API_KEYS: 'ok:0000000000000000000000000000000000000000000000000000000000000000:prod;broken',
      API_PORT: '70000',
    }),
  ).join('\n');
  for (const expected of [
    /TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read/,
    /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together/,
    /TEMPORAL_CONFIG_FILE: cannot read/,
    /TEMPORAL_TLS must be true or false/,
    /API_KEYS: entry 2 \(broken\)/,
    /API_PORT must be between/,
  ]) {
    expect([String(expected), expected.test(problems)]).toEqual([String(expected), true]);
  }
  expect(problemsOf(() => parseClientConfig({ ...ORG, TEMPORAL_PROFILE: 'nope' })).join()).toMatch(
    /Profile 'nope' not found/,
  );
  // The API refuses to run open unless told, and open only on loopback.
  expect(problemsOf(() => parseApiConfig({ ...ORG })).join()).toMatch(/API_KEYS is empty/);
  expect(
    problemsOf(() =>
      parseApiConfig({ ...ORG, API_ALLOW_ANONYMOUS: 'true', API_HOST: '0.0.0.0' }),
    ).join(),
  ).toMatch(/API_HOST must then be a loopback address/);
  expect(parseApiConfig({ ...ORG, API_ALLOW_ANONYMOUS: 'true' }).API_HOST).toBe('127.0.0.1');
});
