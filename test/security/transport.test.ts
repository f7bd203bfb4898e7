import { ConfigError, parseConfig } from '../../src/config';

/**
 * AEP_PLATFORM_URL and AEP_IMS_URL carry the client secret and access tokens: https, or plain http
 * to a loopback host only (the emulator). Every such problem is reported at once.
 */

const valid = {
  AEP_CLIENT_ID: 'id',
  AEP_CLIENT_SECRET: 'secret',
  AEP_ORG_ID: '5C1328435BF324E90A49402A@AdobeOrg',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig({ ...valid, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

test('plain http off loopback is refused for both, in one report', () => {
  const problems = problemsOf({
    AEP_PLATFORM_URL: 'http://platform.example.com',
    AEP_IMS_URL: 'http://10.0.0.8:8090',
  });
  for (const name of ['AEP_PLATFORM_URL', 'AEP_IMS_URL']) {
    expect(problems).toContainEqual(
      expect.stringContaining(
        `${name} must be an https URL (plain http only to a loopback host such as 127.0.0.1)`,
      ),
    );
  }
});

test.each([
  'http://127.0.0.1.example.com',
  'http://localhost.example.com',
  'http://[::ffff:10.0.0.1]',
  'http://0.0.0.0:8090',
])('%s is not loopback', (url) => {
  expect(problemsOf({ AEP_PLATFORM_URL: url })).toHaveLength(1);
});

test.each([
  'https://platform.adobe.io',
  'http://127.0.0.1:8090',
  'http://127.1.2.3',
  'http://localhost:8090/',
  'http://[::1]:8090',
])('%s is taken', (url) => {
  expect(problemsOf({ AEP_PLATFORM_URL: url, AEP_IMS_URL: url })).toEqual([]);
});
