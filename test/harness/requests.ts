import { InvalidRequestError } from '../../src/request';

/** A provisioning request for `name` (raw data, a dataset by name). */
export const nameRequest = (name: string, datasetName = 'd') => ({
  name,
  dataType: 'raw',
  target: { schemaId: 'https://ns.adobe.com/acme/schemas/one', dataset: { name: datasetName } },
});

/** The message of the InvalidRequestError `parse` throws; fails the test if it accepts. */
export function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return (err as InvalidRequestError).message;
  }
  throw new Error('the name was accepted');
}
