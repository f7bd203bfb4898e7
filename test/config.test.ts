import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  ConfigError,
  orgConfig,
  parseApiConfig,
  parseClientConfig,
  parseConfig,
  servedOrgs,
} from '../src/config';

const valid = {
  AEP_CLIENT_ID: 'id',
  AEP_CLIENT_SECRET: 'secret',
  AEP_ORG_ID: '5C1328435BF324E90A49402A@AdobeOrg',
};

test('defaults fill everything optional', () => {
  const c = parseConfig(valid);
  expect(c.TEMPORAL_ADDRESS).toBe('localhost:7233');
  expect(c.AEP_PLATFORM_URL).toBe('https://platform.adobe.io');
  expect(c.AEP_SANDBOX).toBe('prod');
  expect(c.AEP_REQUEST_TIMEOUT_MS).toBe(15000);
});

test('every problem is reported at once', () => {
  let error: unknown;
  try {
    parseConfig({
      AEP_PLATFORM_URL: 'ftp://x',
      AEP_ORG_ID: 'nope',
      AEP_REQUEST_TIMEOUT_MS: '-5',
      AEP_SANDBOX: 'Prod',
    });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const problems = (error as ConfigError).problems.join('\n');
  for (const key of [
    'AEP_CLIENT_ID',
    'AEP_CLIENT_SECRET',
    'AEP_ORG_ID',
    'AEP_PLATFORM_URL',
    'AEP_REQUEST_TIMEOUT_MS',
    'AEP_SANDBOX',
  ]) {
    expect(problems).toContain(key);
  }
  expect((error as ConfigError).problems).toHaveLength(6);
});

test('empty strings count as unset; trailing slashes are dropped', () => {
  const c = parseConfig({ ...valid, TEMPORAL_ADDRESS: '', AEP_IMS_URL: 'http://127.0.0.1:8090/' });
  expect(c.TEMPORAL_ADDRESS).toBe('localhost:7233');
  expect(c.AEP_IMS_URL).toBe('http://127.0.0.1:8090');
});

test('the client needs no AEP credentials, only the org its sources belong to', () => {
  const org = valid.AEP_ORG_ID;
  expect(parseClientConfig({ AEP_ORG_ID: org }).TEMPORAL_TASK_QUEUE).toBe(
    'aep-streaming-provisioning',
  );
  expect(() => parseClientConfig({})).toThrow(/AEP_ORG_ID is required/);
});

test('the request timeout must stay below the activity timeout', () => {
  expect(() => parseConfig({ ...valid, AEP_REQUEST_TIMEOUT_MS: '30000' })).toThrow(/at most 25000/);
  expect(parseConfig({ ...valid, AEP_REQUEST_TIMEOUT_MS: '25000' }).AEP_REQUEST_TIMEOUT_MS).toBe(
    25000,
  );
});

describe('PAYLOAD_ENCRYPTION_KEYS', () => {
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64url');

  test('id:base64key pairs, the first encrypts, every one decrypts; worker and client read it', () => {
    const c = parseConfig({ ...valid, PAYLOAD_ENCRYPTION_KEYS: ` 2026:${k1} , 2025:${k2}` });
    expect(c.PAYLOAD_ENCRYPTION_KEYS?.currentId).toBe('2026');
    expect(c.PAYLOAD_ENCRYPTION_KEYS?.ids).toEqual(['2026', '2025']);
    expect(c.PAYLOAD_ENCRYPTION_KEYS?.key('2025')).toEqual(Buffer.from(k2, 'base64url'));
    expect(
      parseClientConfig({ AEP_ORG_ID: valid.AEP_ORG_ID, PAYLOAD_ENCRYPTION_KEYS: `a:${k1}` })
        .PAYLOAD_ENCRYPTION_KEYS?.ids,
    ).toEqual(['a']);
    expect(parseConfig(valid).PAYLOAD_ENCRYPTION_KEYS).toBeUndefined();
    expect(
      parseConfig({ ...valid, PAYLOAD_ENCRYPTION_KEYS: '' }).PAYLOAD_ENCRYPTION_KEYS,
    ).toBeUndefined();
  });

  test('the keys never print: JSON, util.inspect and template strings show the ids only', () => {
    const c = parseConfig({ ...valid, PAYLOAD_ENCRYPTION_KEYS: `2026:${k1}` });
    for (const shown of [
      JSON.stringify(c),
      inspect(c, { depth: 5 }),
      `${String(c.PAYLOAD_ENCRYPTION_KEYS)}`,
    ]) {
      expect(shown).toContain('2026');
      expect(shown).not.toContain(k1);
      expect(shown).not.toContain(Buffer.from(k1, 'base64').toString('hex'));
    }
  });

  test('every bad key is reported at once, with the other problems, never with its material', () => {
    const short = randomBytes(16).toString('base64');
    const long = randomBytes(48).toString('base64');
    let error: unknown;
    try {
      parseConfig({
        AEP_CLIENT_ID: 'id',
        AEP_CLIENT_SECRET: 'secret',
        AEP_ORG_ID: 'nope',
        PAYLOAD_ENCRYPTION_KEYS: [
          `ok:${k1}`,
          `short:${short}`,
          `long:${long}`,
          'nocolon',
          `bad id:${k1}`,
          'notb64:!!!!',
          `ok:${k2}`,
        ].join(','),
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'PAYLOAD_ENCRYPTION_KEYS: entry 2 (short): the key is 16 bytes, AES-256 needs 32 (make one: openssl rand -base64 32)',
      'PAYLOAD_ENCRYPTION_KEYS: entry 3 (long): the key is 48 bytes, AES-256 needs 32 (make one: openssl rand -base64 32)',
      'PAYLOAD_ENCRYPTION_KEYS: entry 4 must be id:base64key',
      'PAYLOAD_ENCRYPTION_KEYS: entry 5: the id must be 1-64 of A-Z a-z 0-9 _ . -',
      'PAYLOAD_ENCRYPTION_KEYS: entry 6 (notb64): the key is not base64',
      'PAYLOAD_ENCRYPTION_KEYS: id ok appears twice',
      'AEP_ORG_ID must look like 5C1328435BF324E90A49402A@AdobeOrg',
    ]);
    const all = (error as ConfigError).message;
    for (const secret of [k1, k2, short, long]) expect(all).not.toContain(secret);
  });

  test('a list of nothing is a problem, not "no encryption"', () => {
    expect(() => parseClientConfig({ PAYLOAD_ENCRYPTION_KEYS: ' , ' })).toThrow(
      /PAYLOAD_ENCRYPTION_KEYS: no key/,
    );
  });
});

describe('the codec endpoint settings of the API', () => {
  const api = { API_ALLOW_ANONYMOUS: 'true', AEP_ORG_ID: valid.AEP_ORG_ID };

  test('defaults: the UI on loopback (compose 8080, dev server 8233), keys required', () => {
    const c = parseApiConfig(api);
    expect(c.API_CODEC_ORIGINS).toEqual([
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://127.0.0.1:8233',
      'http://localhost:8233',
    ]);
    expect(c.API_CODEC_ANONYMOUS).toBe(false);
  });

  test('origins are origins: scheme, host, port, no path; each bad one is named', () => {
    const c = parseApiConfig({
      ...api,
      API_CODEC_ORIGINS: 'https://ui.example.com, http://10.0.0.5:8080',
    });
    expect(c.API_CODEC_ORIGINS).toEqual(['https://ui.example.com', 'http://10.0.0.5:8080']);
    let error: unknown;
    try {
      parseApiConfig({
        ...api,
        API_CODEC_ORIGINS: 'http://ok:1,http://ui:8080/path,ui.example.com,ftp://x',
        API_CODEC_ANONYMOUS: 'yes',
      });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).problems).toEqual([
      'API_CODEC_ORIGINS: http://ui:8080/path is not an origin (http(s)://host[:port], no path)',
      'API_CODEC_ORIGINS: ui.example.com is not an origin (http(s)://host[:port], no path)',
      'API_CODEC_ORIGINS: ftp://x is not an origin (http(s)://host[:port], no path)',
      'API_CODEC_ANONYMOUS must be true or false',
    ]);
  });
});

describe("the API's access and limits, checked together", () => {
  const hash = 'a'.repeat(64);
  const keys = { AEP_ORG_ID: valid.AEP_ORG_ID, API_KEYS: `ci:${hash}:prod` };
  const problemsOf = (env: Record<string, string>) => {
    try {
      parseApiConfig(env);
    } catch (err) {
      return (err as ConfigError).problems;
    }
    return [];
  };

  test('API_CODEC_ANONYMOUS is refused off loopback, with every other such problem', () => {
    expect(parseApiConfig({ ...keys, API_CODEC_ANONYMOUS: 'true' }).API_CODEC_ANONYMOUS).toBe(true);
    expect(problemsOf({ ...keys, API_CODEC_ANONYMOUS: 'true', API_HOST: '::1' })).toEqual([]);
    expect(
      problemsOf({
        ...keys,
        API_HOST: '0.0.0.0',
        API_CODEC_ANONYMOUS: 'true',
        API_ALLOW_ANONYMOUS: 'true',
        API_CODEC_KEYS: `ci:${hash}`,
        API_MAX_WAIT_SECONDS: '120',
        API_HEADERS_TIMEOUT_SECONDS: '40',
      }),
    ).toEqual([
      'API_CODEC_KEYS: id ci is an id of API_KEYS too',
      'API_ALLOW_ANONYMOUS=true is for local development: API_HOST must then be a loopback address, not 0.0.0.0',
      'API_CODEC_ANONYMOUS=true lets whoever reaches the API decrypt every payload: API_HOST must then be a loopback address, not 0.0.0.0; elsewhere give the codec a key (API_CODEC_KEYS)',
      'API_IDLE_TIMEOUT_SECONDS (90) must exceed API_MAX_WAIT_SECONDS (120): an answer being waited for is silent',
      'API_HEADERS_TIMEOUT_SECONDS (40) must not exceed API_REQUEST_TIMEOUT_SECONDS (30), the time of the whole request',
    ]);
  });

  test('codec keys: id:sha256hex, each bad entry named without its hash', () => {
    expect(
      parseApiConfig({ ...keys, API_CODEC_KEYS: `ui:${hash}; cli:${'b'.repeat(64)}` })
        .API_CODEC_KEYS,
    ).toEqual([
      { id: 'ui', sha256: hash, sandboxes: [] },
      { id: 'cli', sha256: 'b'.repeat(64), sandboxes: [] },
    ]);
    expect(problemsOf({ ...keys, API_CODEC_KEYS: `ui:${hash}:prod;ui:${hash};x:y` })).toEqual([
      'API_CODEC_KEYS: entry 1 (ui) must be id:sha256hex',
      'API_CODEC_KEYS: entry 3 (x) must be id:sha256hex',
    ]);
  });

  test('API_KEYS options: scope read, an expiry; old entries are write keys that never expire', () => {
    const entries = parseApiConfig({
      ...keys,
      API_KEYS: `ci:${hash}:prod;ro:${hash}:*:read;t:${hash}:dev:expires=2030-01-02T03:04:05Z,read`,
    }).API_KEYS;
    expect(entries).toEqual([
      { id: 'ci', sha256: hash, sandboxes: ['prod'] },
      { id: 'ro', sha256: hash, sandboxes: '*', readOnly: true },
      {
        id: 't',
        sha256: hash,
        sandboxes: ['dev'],
        readOnly: true,
        expires: new Date('2030-01-02T03:04:05Z'),
      },
    ]);
    expect(
      problemsOf({ ...keys, API_KEYS: `a:${hash}:prod:admin;b:${hash}:prod:expires=2030-13-45` }),
    ).toEqual([
      'API_KEYS: entry 1 (a) must be id:sha256hex:sandbox|sandbox or id:sha256hex:*, then :read and/or expires=<ISO 8601>',
      'API_KEYS: entry 2 (b): expires=2030-13-45 is not an ISO 8601 date',
    ]);
  });

  test('API_KEYS_FILE: its entries, one a line, checked at start with every other problem', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aep-keys-')), 'keys');
    writeFileSync(file, `# the CI key\nci2:${hash}:prod:read\n\nbad entry\n`);
    expect(problemsOf({ AEP_ORG_ID: valid.AEP_ORG_ID, API_KEYS_FILE: file })).toEqual([
      `API_KEYS_FILE (${file}): entry 2 (bad entry) must be id:sha256hex:sandbox|sandbox or id:sha256hex:*, then :read and/or expires=<ISO 8601>`,
    ]);
    writeFileSync(file, `ci2:${hash}:prod:read\n`);
    const c = parseApiConfig({ AEP_ORG_ID: valid.AEP_ORG_ID, API_KEYS_FILE: file });
    expect(c.API_KEYS_FILE).toEqual({
      path: file,
      entries: [{ id: 'ci2', sha256: hash, sandboxes: ['prod'], readOnly: true }],
    });
    expect(problemsOf({ AEP_ORG_ID: valid.AEP_ORG_ID, API_KEYS_FILE: `${file}.missing` })).toEqual([
      expect.stringMatching(/^API_KEYS_FILE: cannot read .*keys\.missing: ENOENT/),
    ]);
  });

  test('the server limits: defaults, and each a positive number', () => {
    const c = parseApiConfig(keys);
    expect([
      c.API_HEADERS_TIMEOUT_SECONDS,
      c.API_REQUEST_TIMEOUT_SECONDS,
      c.API_IDLE_TIMEOUT_SECONDS,
      c.API_KEEP_ALIVE_TIMEOUT_SECONDS,
      c.API_MAX_CONNECTIONS,
    ]).toEqual([10, 30, 90, 5, 1000]);
    expect(
      problemsOf({ ...keys, API_MAX_CONNECTIONS: '0', API_KEEP_ALIVE_TIMEOUT_SECONDS: 'x' }),
    ).toEqual([
      'API_KEEP_ALIVE_TIMEOUT_SECONDS must be a number',
      'API_MAX_CONNECTIONS must be positive',
    ]);
  });
});

describe('AEP_ORGS_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aep-orgs-config-'));
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const second = 'AAAABBBBCCCCDDDDEEEEFFFF@AdobeOrg';

  test('serves each listed org on its own queue, its secret read from its file and never shown', () => {
    const secretFile = file('secret', 'org2-secret\n');
    const orgs = file(
      'orgs.json',
      JSON.stringify([
        { org: second, clientId: 'c2', clientSecretFile: secretFile, sandbox: 'dev' },
      ]),
    );
    const c = parseConfig({ ...valid, AEP_ORGS_FILE: orgs });
    const served = servedOrgs(c);
    expect(served.map((o) => [o.imsOrg, o.sandbox, o.taskQueue])).toEqual([
      [valid.AEP_ORG_ID, 'prod', 'aep-streaming-provisioning'],
      [second, 'dev', 'aep-streaming-provisioning--aaaabbbbccccddddeeeeffff'],
    ]);
    const org2 = orgConfig(c, served[1]!);
    expect([org2.AEP_ORG_ID, org2.AEP_CLIENT_ID, org2.AEP_CLIENT_SECRET.reveal()]).toEqual([
      second,
      'c2',
      'org2-secret',
    ]);
    expect(inspect(org2)).not.toContain('org2-secret');
    // Without the file: the one org of AEP_ORG_ID, as before.
    expect(servedOrgs(parseConfig(valid)).map((o) => o.taskQueue)).toEqual([
      'aep-streaming-provisioning',
    ]);
  });

  test('every problem of the list is reported at once; only the worker needs the secret files', () => {
    const orgs = file(
      'bad.json',
      JSON.stringify([{ org: 'nope', clientId: '', clientSecretFile: join(dir, 'missing') }]),
    );
    const problems = (() => {
      try {
        parseConfig({ ...valid, AEP_ORGS_FILE: orgs });
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual([
      expect.stringMatching(/entry 0.org: org must look like/),
      expect.stringMatching(/entry 0.clientId: clientId is empty/),
    ]);
    const missing = file(
      'missing-secret.json',
      JSON.stringify([{ org: second, clientId: 'c2', clientSecretFile: join(dir, 'missing') }]),
    );
    expect(() => parseConfig({ ...valid, AEP_ORGS_FILE: missing })).toThrow(
      /the client secret of AAAA.*missing/,
    );
    expect(
      parseClientConfig({ AEP_ORG_ID: valid.AEP_ORG_ID, AEP_ORGS_FILE: missing }).AEP_ORGS_FILE
        ?.entries,
    ).toHaveLength(1);
  });
});
