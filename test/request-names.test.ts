/**
 * A refused source or dataset name: the message names the offending character (its code point,
 * what kind of character it is, and where it stands, counted in characters as a person sees
 * them), for provisioning and teardown alike. src/request.ts, docs/hardening.md.
 */
import { parseDeprovisionRequest, parseProvisionRequest } from '../src/request';
import { PROD } from './harness/ids';
import { nameRequest, refusal } from './harness/requests';

const request = nameRequest;

test.each([
  ['a control character', 'Orders\u0007 2', 'character 7 is U+0007 (a control character)'],
  ['NUL', 'x\u0000y', 'character 2 is U+0000 (a control character)'],
  ['a tab', 'EU\tUS', 'character 3 is U+0009 (a control character)'],
  [
    'a zero-width space',
    'Sales\u200BMarketing',
    'character 6 is U+200B (an invisible formatting character)',
  ],
  [
    'a byte-order mark',
    '\uFEFFOrders',
    'character 1 is U+FEFF (an invisible formatting character)',
  ],
  ['a line separator', 'a\u2028b', 'character 2 is U+2028 (a line separator)'],
  ['a paragraph separator', 'a\u2029b', 'character 2 is U+2029 (a line separator)'],
  ['a lone surrogate', 'a\uD800b', 'character 2 is U+D800 (half of a surrogate pair)'],
  // Positions count characters, not UTF-16 units: the emoji before it is one character.
  ['one after an emoji', '📦\u0001', 'character 2 is U+0001 (a control character)'],
])('a name with %s is refused, naming the character', (_what, name, named) => {
  expect(refusal(() => parseProvisionRequest(request(name), PROD))).toContain(
    `name may contain only printable characters: ${named}`,
  );
});

test('the first refused character is the one named', () => {
  expect(refusal(() => parseProvisionRequest(request('a\u200Bb\u0000c'), PROD))).toContain(
    'character 2 is U+200B',
  );
});

test('a dataset name is held to the same rule, and the field is named', () => {
  expect(refusal(() => parseProvisionRequest(request('Orders', 'Orders\u0085DS'), PROD))).toMatch(
    /target\.dataset\.name may contain only printable characters: character 7 is U\+0085 \(a control character\)/,
  );
});

test('a teardown by name is refused the same way', () => {
  expect(refusal(() => parseDeprovisionRequest({ name: 'x\u200Ey' }, PROD))).toContain(
    'name may contain only printable characters: character 2 is U+200E (an invisible formatting character)',
  );
});

test('an emoji sequence joined by U+200D (itself a format character) is a name', () => {
  const name = 'Team 👩‍💻 feed';
  expect(name).toContain('\u200D');
  expect(parseProvisionRequest(request(name), PROD).name).toBe(name);
});
