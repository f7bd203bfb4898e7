/**
 * The Flow Service `property=` filter parser and evaluator (pure), and the opt-in `strict`
 * quoting reading end to end (control API → Flow Service list answer).
 */
import type { RunningEmulator } from '../../emulator';
import {
  FilterSyntaxError,
  matchesAll,
  matchesFilter,
  parsePropertyFilter,
} from '../../emulator/filter';
import type { FilterMode } from '../../emulator/types';
import { connectionBody, FLOW, type Platform, unique, useEmulator } from './helpers';

const doc = {
  id: 'a1',
  name: 'ACME a, b',
  description: 'x & y',
  state: 'enabled',
  createdAt: 1_700_000_000_000,
  flag: true,
  connectionSpec: { id: 'spec-1' },
  auth: { params: { dataType: 'xdm' } },
  sourceConnectionIds: ['s1', 's2'],
  transformations: [{ name: 'Mapping', params: { mappingId: 'm1' } }],
};

const match = (expr: string, d: unknown = doc) => matchesFilter(parsePropertyFilter(expr), d);

function codeOf(expr: string, mode?: FilterMode): string {
  try {
    parsePropertyFilter(expr, mode);
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err.code;
    throw err;
  }
  return 'parsed';
}

describe('parsing', () => {
  test('splits path, operator and value at the first operator after the path', () => {
    expect(parsePropertyFilter('name==k==v')).toMatchObject({
      path: 'name',
      op: '==',
      values: ['k==v'],
    });
    expect(parsePropertyFilter('createdAt>=17')).toMatchObject({ op: '>=', values: ['17'] });
    expect(parsePropertyFilter('createdAt<17')).toMatchObject({ op: '<', values: ['17'] });
    expect(parsePropertyFilter('name!=x')).toMatchObject({ op: '!=', values: ['x'] });
  });

  test('unquoted values are comma-separated alternatives; a quoted value is one literal', () => {
    expect(parsePropertyFilter('id==a,b,c').values).toEqual(['a', 'b', 'c']);
    expect(parsePropertyFilter('name=="a, b"').values).toEqual(['a, b']);
    // Between the FIRST and LAST quote: inner quotes stay.
    expect(parsePropertyFilter('name==""quoted""').values).toEqual(['"quoted"']);
    expect(parsePropertyFilter('name=="x & y"').values).toEqual(['x & y']);
    expect(parsePropertyFilter('name=="k==v"').values).toEqual(['k==v']);
    expect(parsePropertyFilter('name=="ünïcødé ✓ 名前"').values).toEqual(['ünïcødé ✓ 名前']);
  });

  test('dotted and [] paths', () => {
    expect(parsePropertyFilter('transformations[].params.mappingId==m1').segments).toEqual([
      { key: 'transformations', each: true },
      { key: 'params', each: false },
      { key: 'mappingId', each: false },
    ]);
  });

  test('errors carry Flow Service codes', () => {
    expect(codeOf('name~^ACME')).toBe('1440-400');
    expect(codeOf('name!>3')).toBe('1450-400');
    expect(codeOf('name=3')).toBe('1450-400');
    expect(codeOf('createdAt<=1,2')).toBe('1443-400');
    expect(codeOf('createdAt==')).toBe('1453-400');
    expect(codeOf('name')).toBe('1453-400');
    expect(codeOf('==x')).toBe('1449-400');
    expect(codeOf('a..b==x')).toBe('1449-400');
    expect(codeOf('id==a,,b')).toBe('1452-400');
  });
});

describe('matching', () => {
  test('== and != on strings, numbers and booleans', () => {
    expect(match('state==enabled')).toBe(true);
    expect(match('state==disabled')).toBe(false);
    expect(match('state!=disabled')).toBe(true);
    expect(match('createdAt==1700000000000')).toBe(true);
    expect(match('flag==true')).toBe(true);
    expect(match('flag==false')).toBe(false);
  });

  test('comma = any of; a quoted comma value is matched whole, not split', () => {
    expect(match('id==zz,a1')).toBe(true);
    expect(match('id!=zz,a1')).toBe(false);
    expect(match('name=="ACME a, b"')).toBe(true);
    expect(match('name==ACME a, b')).toBe(false); // split into "ACME a" and " b"
    expect(match('name=="ACME a"')).toBe(false);
  });

  test('comparison operators', () => {
    expect(match('createdAt>1699999999999')).toBe(true);
    expect(match('createdAt<1699999999999')).toBe(false);
    expect(match('createdAt<=1700000000000')).toBe(true);
    expect(match('name>ACME')).toBe(true);
  });

  test('nested and array paths; arrays are entered only through []', () => {
    expect(match('connectionSpec.id==spec-1')).toBe(true);
    expect(match('auth.params.dataType==xdm')).toBe(true);
    expect(match('sourceConnectionIds[]==s2')).toBe(true);
    expect(match('sourceConnectionIds==s2')).toBe(false);
    expect(match('transformations[].params.mappingId==m1')).toBe(true);
    expect(match('transformations[].params.mappingId==m2')).toBe(false);
  });

  test('missing fields never equal, always differ', () => {
    expect(match('nothing==x')).toBe(false);
    expect(match('nothing!=x')).toBe(true);
    expect(match('nothing>1')).toBe(false);
  });

  test('several filters AND together', () => {
    const filters = ['state==enabled', 'connectionSpec.id==spec-1'].map((e) =>
      parsePropertyFilter(e),
    );
    expect(matchesAll(filters, doc)).toBe(true);
    expect(matchesAll([...filters, parsePropertyFilter('flag==false')], doc)).toBe(false);
  });
});

describe('strict quoting (FilterMode.quoting: strict)', () => {
  const strict: FilterMode = { quoting: 'strict', nameMatch: 'exact' };

  test('an unquoted value with a space → 1453-400; quoted or space-free values parse', () => {
    expect(codeOf('name==Some Name', strict)).toBe('1453-400');
    expect(codeOf('name!=Some Name', strict)).toBe('1453-400');
    expect(codeOf('id==a, b', strict)).toBe('1453-400');
    expect(codeOf('name=="Some Name', strict)).toBe('1453-400'); // unbalanced: not quoted
    expect(parsePropertyFilter('name=="Some Name"', strict).values).toEqual(['Some Name']);
    expect(parsePropertyFilter('name=="a, b"', strict).values).toEqual(['a, b']);
    expect(parsePropertyFilter('id==a,b', strict).values).toEqual(['a', 'b']);
    // The other readings take the unquoted value as before.
    expect(parsePropertyFilter('name==Some Name').values).toEqual(['Some Name']);
    expect(parsePropertyFilter('name==Some Name', { ...strict, quoting: 'raw' }).values).toEqual([
      'Some Name',
    ]);
  });

  describe('over HTTP', () => {
    let emu: RunningEmulator;
    let api: Platform;
    useEmulator({}, (s) => ({ emu, api } = s));
    afterEach(async () => {
      await emu.control.setFilterMode({ quoting: 'literal' });
    });

    test('default accepts `Some Name` unquoted; strict answers 400 1453; quoted still works', async () => {
      const name = `${unique('strict')} Some Name`;
      const created = await api.post(`${FLOW}/connections`, connectionBody(name));
      expect(created.status).toBe(201);
      // URLSearchParams encodes the space as `+`; Fastify decodes it back to a space.
      const unquoted = `${FLOW}/connections?${new URLSearchParams({ property: `name==${name}` }).toString()}`;
      const quoted = `${FLOW}/connections?property=${encodeURIComponent(`name=="${name}"`)}`;
      const percent = `${FLOW}/connections?property=${encodeURIComponent(`name==${name}`)}`;

      const byDefault = await api.get(unquoted);
      expect(byDefault.status).toBe(200);
      expect(byDefault.body.items.map((i: { id: string }) => i.id)).toEqual([created.body.id]);

      expect(await emu.control.setFilterMode({ quoting: 'strict' })).toEqual({
        quoting: 'strict',
        nameMatch: 'exact',
      });
      for (const url of [unquoted, percent]) {
        const refused = await api.get(url);
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual({
          type: 'https://ns.adobe.com/aep/errors/FLOW-1453-400',
          title: 'Invalid request',
          status: 400,
          report: {
            'detailed-message': `Invalid query value name==${name} provided in query param.`,
            'request-id': expect.any(String),
          },
          errorMessage: `Invalid query value name==${name} provided in query param.`,
          errorDetails: `Invalid query value name==${name} provided in query param.`,
        });
      }

      const ok = await api.get(quoted);
      expect(ok.status).toBe(200);
      expect(ok.body.items.map((i: { id: string }) => i.id)).toEqual([created.body.id]);
      // Values without spaces need no quotes, even in strict mode.
      const byId = await api.get(`${FLOW}/connections?property=id==${created.body.id}`);
      expect(byId.body.items).toHaveLength(1);
    });

    test('reset() restores the start reading', async () => {
      await emu.control.setFilterMode({ quoting: 'strict' });
      await emu.control.reset();
      expect((await emu.control.filterMode()).quoting).toBe('literal');
      const res = await api.get(
        `${FLOW}/connections?${new URLSearchParams({ property: 'name==Some Name' }).toString()}`,
      );
      expect(res.status).toBe(200);
    });
  });
});
