import { InvalidRequestError, parseProvisionRequest } from '../src/request';
import { malformedRequests, namesPeopleWrite } from './fixtures/malformed-requests';
import { PROD } from './harness/ids';

const SCHEMA = 'https://ns.adobe.com/acme/schemas/7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

test('a minimal request gets the default sandbox and no optional parts', () => {
  const r = parseProvisionRequest(
    {
      name: 'Café Orders 2',
      dataType: 'raw',
      target: { schemaId: SCHEMA, datasetId: '637eb7fadc8a211b6312b65b' },
    },
    { ...PROD, sandbox: 'dev' },
  );
  expect(r.sandbox).toBe('dev');
  expect(r.mappings).toBeUndefined();
});

test('mapping identity defaults to false and smoke test wait to 300 s', () => {
  const r = parseProvisionRequest(
    {
      name: 'n',
      dataType: 'raw',
      target: { schemaId: SCHEMA, dataset: { name: 'd' } },
      mappings: [{ sourceAttribute: 'a', destinationXdmPath: 'person.name.firstName' }],
      smokeTest: {},
    },
    PROD,
  );
  expect(r.mappings?.[0]?.identity).toBe(false);
  expect(r.smokeTest?.activationWaitSeconds).toBe(300);
});

describe('malformed requests are refused with a message naming the field', () => {
  test('the corpus is large enough', () => {
    expect(malformedRequests.length).toBeGreaterThanOrEqual(45);
  });
  test.each(malformedRequests.map((m) => [m.why, m] as const))('%s', (_why, m) => {
    let error: unknown;
    try {
      parseProvisionRequest(m.request, PROD);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).message).toContain(m.field);
  });
});

describe('names as people write them are accepted (AEP accepts them)', () => {
  test.each(namesPeopleWrite)('%s', (name) => {
    const req = parseProvisionRequest(
      {
        name,
        dataType: 'raw',
        target: {
          schemaId: 'https://ns.adobe.com/acme/schemas/one',
          dataset: { name: `${name} dataset` },
        },
      },
      PROD,
    );
    expect([req.name, req.target.dataset?.name]).toEqual([name, `${name} dataset`]);
  });
});
