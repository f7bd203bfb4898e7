import { ConfigError, parseClientConfig, parseConfig } from '../src/config';

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

test('the client needs no AEP credentials', () => {
  expect(parseClientConfig({}).TEMPORAL_TASK_QUEUE).toBe('aep-streaming-provisioning');
});

test('the request timeout must stay below the activity timeout', () => {
  expect(() => parseConfig({ ...valid, AEP_REQUEST_TIMEOUT_MS: '30000' })).toThrow(/at most 25000/);
  expect(parseConfig({ ...valid, AEP_REQUEST_TIMEOUT_MS: '25000' }).AEP_REQUEST_TIMEOUT_MS).toBe(
    25000,
  );
});
