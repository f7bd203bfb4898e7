/** Catalog datasets, Schema Registry lookups and Data Prep mapping sets. */
import type { RunningEmulator } from '../../emulator';
import {
  CATALOG,
  DATAPREP,
  LOYALTY_SCHEMA_ID,
  type Platform,
  type Res,
  SCHEMA_ID,
  SCHEMAS,
  unique,
  useEmulator,
  withEmulator,
} from './helpers';

let emu: RunningEmulator;
let api: Platform;
useEmulator({}, (s) => ({ emu, api } = s));

const datasetBody = (name: string, schemaId = SCHEMA_ID) => ({
  name,
  description: 'test dataset',
  schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed+json;version=1' },
  fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
});

async function createDataset(name: string, schemaId = SCHEMA_ID): Promise<string> {
  const res = await api.post(`${CATALOG}/dataSets`, datasetBody(name, schemaId));
  expect(res.status).toBe(201);
  return String(res.body[0]).replace('@/dataSets/', '');
}

describe('Catalog', () => {
  test('create → GET keyed by id → DELETE → GET 404; second DELETE → 200 []', async () => {
    const name = unique('ds');
    const id = await createDataset(name);
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const got = await api.get(`${CATALOG}/dataSets/${id}`);
    expect(got.status).toBe(200);
    expect(Object.keys(got.body)).toEqual([id]);
    expect(got.body[id]).toMatchObject({
      name,
      imsOrg: emu.credentials.orgId,
      version: '1.0.0',
      created: expect.any(Number),
      schemaRef: { id: SCHEMA_ID },
      files: `@/dataSetFiles?dataSetId=${id}`,
    });
    const del = await api.delete(`${CATALOG}/dataSets/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual([`@/dataSets/${id}`]);
    const gone = await api.get(`${CATALOG}/dataSets/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.status).toBe(404);
    const again = await api.delete(`${CATALOG}/dataSets/${id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual([]);
  });

  test("missingDatasetDelete: 'notFound' → 404", async () => {
    await withEmulator({ missingDatasetDelete: 'notFound' }, async ({ api: sApi }) => {
      expect((await sApi.delete(`${CATALOG}/dataSets/aaaaaaaaaaaaaaaaaaaaaaaa`)).status).toBe(404);
    });
  });

  test('schemaRef must name an existing schema; name is required', async () => {
    const res = await api.post(
      `${CATALOG}/dataSets`,
      datasetBody('x', 'https://ns.adobe.com/acme/schemas/nope'),
    );
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('https://ns.adobe.com/acme/schemas/nope');
    const { name: _n, ...noName } = datasetBody('x');
    expect((await api.post(`${CATALOG}/dataSets`, noName)).status).toBe(400);
  });

  test('list: name= (exact, any-of, negation, wildcard), property=, limit/start', async () => {
    const tag = unique('cat');
    const a = await createDataset(`${tag} a, b`);
    const b = await createDataset(`${tag} x & y`);
    const c = await createDataset(`${tag}-other`, LOYALTY_SCHEMA_ID);
    const q = (params: [string, string][]) =>
      api.get(`${CATALOG}/dataSets?${new URLSearchParams(params).toString()}`);
    expect(Object.keys((await q([['name', `${tag} x & y`]])).body)).toEqual([b]);
    expect(Object.keys((await q([['property', `name==${tag} a, b`]])).body)).toEqual([a]);
    expect(Object.keys((await q([['name', `${tag}*`]])).body).sort()).toEqual([a, b, c].sort());
    expect(Object.keys((await q([['name', `${tag}-other,${tag} x & y`]])).body).sort()).toEqual(
      [b, c].sort(),
    );
    const negated = Object.keys(
      (
        await q([
          ['name', `!${tag}-other`],
          ['limit', '100'],
        ])
      ).body,
    );
    expect(negated).toEqual(expect.arrayContaining([a, b]));
    expect(negated).not.toContain(c);
    const paged1 = Object.keys(
      (
        await q([
          ['name', `${tag}*`],
          ['limit', '2'],
        ])
      ).body,
    );
    const paged2 = Object.keys(
      (
        await q([
          ['name', `${tag}*`],
          ['limit', '2'],
          ['start', '2'],
        ])
      ).body,
    );
    expect([...paged1, ...paged2].sort()).toEqual([a, b, c].sort());
    expect(paged1).toHaveLength(2);
    const bySchema = await q([
      ['name', `${tag}*`],
      ['property', 'name~other$'],
    ]);
    expect(Object.keys(bySchema.body)).toEqual([c]);
  });
});

describe('Schema Registry', () => {
  const path = (id: string, container = 'tenant') =>
    `${SCHEMAS}/${container}/schemas/${encodeURIComponent(id)}`;

  test('by URL-encoded $id or meta:altId, with a versioned Accept', async () => {
    for (const accept of [
      'application/vnd.adobe.xed+json; version=1',
      'application/vnd.adobe.xed-full+json; version=1',
      'application/vnd.adobe.xed-full-notext+json;version=1',
    ]) {
      const res = await api.get(path(SCHEMA_ID), { accept });
      expect(res.status).toBe(200);
      expect(res.body.properties.workEmail.properties.address).toEqual({
        type: 'string',
        format: 'email',
        title: 'Address',
      });
    }
    const alt = await api.get(path('_acme.schemas.3c1f7d0e9a5b4c2d8e6f1a0b9c8d7e6f'), {
      accept: 'application/vnd.adobe.xed-full+json; version=1',
    });
    expect(alt.body.$id).toBe(LOYALTY_SCHEMA_ID);
  });

  test("lookup: Accept missing/unversioned → 400 XDM-1007-400 (the lookups' code); unavailable → 406", async () => {
    for (const accept of [undefined, 'application/json', 'application/vnd.adobe.xed-full+json']) {
      const res = await api.get(path(SCHEMA_ID), accept === undefined ? {} : { accept });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('http://ns.adobe.com/aep/errors/XDM-1007-400');
    }
    for (const accept of [
      'application/vnd.adobe.xed-full+json; version=2',
      'application/vnd.adobe.xed-id+json; version=1',
    ]) {
      expect((await api.get(path(SCHEMA_ID), { accept })).status).toBe(406);
    }
  });

  test('unknown schema (or the wrong container) → 404 XDM-1010-404 with an http:// type', async () => {
    const accept = { accept: 'application/vnd.adobe.xed-full+json; version=1' };
    const res = await api.get(path('https://ns.adobe.com/acme/schemas/unknown'), accept);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      type: 'http://ns.adobe.com/aep/errors/XDM-1010-404',
      title: 'Resource not found',
      status: 404,
      report: {
        registryRequestId: expect.any(String),
        'detailed-message': expect.any(String),
        'sub-errors': [],
      },
      detail: expect.any(String),
    });
    expect((await api.get(path(SCHEMA_ID, 'global'), accept)).status).toBe(404);
  });

  test('schemas added through the control API are served', async () => {
    const $id = `https://ns.adobe.com/acme/schemas/${unique('added')}`;
    await emu.control.addSchema({
      $id,
      'meta:altId': `_acme.schemas.${$id.split('/').pop()}`,
      title: 'Added',
      type: 'object',
      properties: { _id: { type: 'string' } },
    });
    const res = await api.get(path($id), {
      accept: 'application/vnd.adobe.xed-full+json; version=1',
    });
    expect(res.status).toBe(200);
    const listed = await emu.control.resources({ kind: 'schema' });
    expect(listed.map((s) => s.id)).toContain($id);
  });
});

describe('Data Prep', () => {
  const current = (name: string, destination = 'person.name.firstName') => ({
    name,
    description: 'mapping for tests',
    outputSchema: {
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
    },
    mappings: [
      { sourceType: 'ATTRIBUTE', source: 'id', destination: '_id' },
      { sourceType: 'ATTRIBUTE', source: 'first', destination },
    ],
  });

  test('create (current format) → 200; GET returns both vocabularies, name and description', async () => {
    const name = unique('map');
    const res = await api.post(`${DATAPREP}/mappingSets`, current(name));
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(0);
    const got = await api.get(`${DATAPREP}/mappingSets/${res.body.id}`);
    expect(got.body).toMatchObject({
      id: res.body.id,
      name,
      description: 'mapping for tests',
      outputSchema: { schemaRef: { id: SCHEMA_ID } },
      xdmSchema: SCHEMA_ID,
      mappings: [
        {
          source: 'id',
          destination: '_id',
          sourceAttribute: 'id',
          destinationXdmPath: '_id',
          sourceType: 'ATTRIBUTE',
        },
        { destination: 'person.name.firstName' },
      ],
    });
    expect(got.body.mappings[0].id).toMatch(/^[0-9a-f]{32}$/);
  });

  test('destinations must exist in the output schema; the schema must exist', async () => {
    const bad = await api.post(`${DATAPREP}/mappingSets`, current('x', 'person.name.nickName'));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('person.name.nickName');
    const noSchema = await api.post(`${DATAPREP}/mappingSets`, {
      xdmSchema: 'https://ns.adobe.com/acme/schemas/nope',
      mappings: [{ sourceAttribute: 'a', destinationXdmPath: '_id' }],
    });
    expect(noSchema.status).toBe(400);
    expect(
      (await api.post(`${DATAPREP}/mappingSets`, { xdmSchema: SCHEMA_ID, mappings: [] })).status,
    ).toBe(400);
  });

  test('list with name=, limit/start paging via _links.next; PUT bumps version; DELETE → 204 then 404', async () => {
    const name = unique('maplist');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await api.post(`${DATAPREP}/mappingSets`, current(name))).body.id);
    const seen: string[] = [];
    let href: string | undefined =
      `/mappingSets?${new URLSearchParams({ name, limit: '2', start: '0' }).toString()}`;
    while (href) {
      const page: Res = await api.get(`${DATAPREP}${href}`);
      expect(page.status).toBe(200);
      expect(page.body._page.limit).toBe(2);
      seen.push(...page.body.data.map((d: { id: string }) => d.id));
      href = page.body._links.next?.href;
    }
    expect(seen).toEqual(ids);

    const put = await api.put(
      `${DATAPREP}/mappingSets/${ids[0]}`,
      current(name, 'person.name.lastName'),
    );
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(1);
    const v0 = await api.get(`${DATAPREP}/mappingSets/${ids[0]}?version=0`);
    expect(v0.body.mappings[1].destination).toBe('person.name.firstName');

    const del = await api.delete(`${DATAPREP}/mappingSets/${ids[0]}`);
    expect(del.status).toBe(204);
    const gone = await api.get(`${DATAPREP}/mappingSets/${ids[0]}`);
    expect(gone.status).toBe(404);
    expect(gone.body.status).toBe(404);
  });
});
