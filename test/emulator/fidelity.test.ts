/**
 * What a real third-party AEP client (Adobe's Python `aepp`) reads, request by request as Adobe
 * documents it: one test per gap the emulator had (shared/reference/aep-api.md, Addendum
 * 2026-11-28). Each asserts the status and the keys such a client indexes.
 */
import {
  CATALOG,
  connectionBody,
  DATA_LAKE_SPEC,
  FLOW,
  FLOW_SPEC_MAPPING,
  FLOW_SPEC_PLAIN,
  HTTP_API_SPEC,
  http,
  type Platform,
  provision,
  SCHEMA_ID,
  SCHEMAS,
  unique,
  useEmulator,
  withEmulator,
  xdmMessage,
} from './helpers';

let api: Platform;
useEmulator({}, (s) => ({ api } = s));

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('Flow Service reference endpoints (1)', () => {
  test('aepp looks specs up by name in GET /connectionSpecs: Streaming Connection, datalake', async () => {
    const all = await api.get(`${FLOW}/connectionSpecs`);
    // aepp getConnectionSpecsMap: {spec.name: spec.id} over the unfiltered list.
    const byName = Object.fromEntries(
      (all.body.items as { id: string; name: string }[]).map((s) => [s.name, s.id]),
    );
    expect(byName['Streaming Connection']).toBe(HTTP_API_SPEC);
    expect(byName.datalake).toBe(DATA_LAKE_SPEC);
    for (const [name, id] of [
      ['Streaming Connection', HTTP_API_SPEC],
      ['datalake', DATA_LAKE_SPEC],
    ]) {
      const found = await api.get(`${FLOW}/connectionSpecs?${q({ property: `name==${name}` })}`);
      expect(found.body.items.map((s: { id: string }) => s.id)).toEqual([id]);
    }
  });

  test('GET /connectionSpecs lists the HTTP API and Data Lake specs; property=name== filters', async () => {
    const all = await api.get(`${FLOW}/connectionSpecs`);
    expect(all.status).toBe(200);
    const ids = (all.body.items as { id: string }[]).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([HTTP_API_SPEC, DATA_LAKE_SPEC]));
    const http = all.body.items.find((s: { id: string }) => s.id === HTTP_API_SPEC);
    expect(http).toMatchObject({
      name: expect.any(String),
      providerId: expect.any(String),
      version: '1.0',
      authSpec: [expect.objectContaining({ name: 'Streaming Connection' })],
      attributes: expect.any(Object),
    });
    const byName = await api.get(
      `${FLOW}/connectionSpecs?${q({ property: `name==${http.name}` })}`,
    );
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((s: { id: string }) => s.id)).toEqual([HTTP_API_SPEC]);
    const none = await api.get(`${FLOW}/connectionSpecs?${q({ property: 'name==no-such-spec' })}`);
    expect(none.body.items).toEqual([]);
  });

  test('GET /connectionSpecs/{id} → {items:[spec]}; unknown id → 404 FLOW problem', async () => {
    const one = await api.get(`${FLOW}/connectionSpecs/${DATA_LAKE_SPEC}`);
    expect(one.status).toBe(200);
    expect(one.body.items).toHaveLength(1);
    expect(one.body.items[0]).toMatchObject({ id: DATA_LAKE_SPEC, name: expect.any(String) });
    const missing = await api.get(`${FLOW}/connectionSpecs/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('https://ns.adobe.com/aep/errors/FLOW-1101-404');
  });

  test('GET /flowSpecs and /flowSpecs/{id}: the two streaming flow specs', async () => {
    const all = await api.get(`${FLOW}/flowSpecs`);
    expect(all.status).toBe(200);
    const ids = (all.body.items as { id: string }[]).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([FLOW_SPEC_PLAIN, FLOW_SPEC_MAPPING]));
    const mapping = await api.get(`${FLOW}/flowSpecs/${FLOW_SPEC_MAPPING}`);
    expect(mapping.status).toBe(200);
    expect(mapping.body.items[0]).toMatchObject({
      id: FLOW_SPEC_MAPPING,
      sourceConnectionSpecIds: [HTTP_API_SPEC],
      targetConnectionSpecIds: [DATA_LAKE_SPEC],
      transformationSpecs: [expect.objectContaining({ name: 'Mapping' })],
      attributes: expect.objectContaining({ isSourceFlow: true, frequency: 'streaming' }),
    });
    const byId = await api.get(`${FLOW}/flowSpecs?${q({ property: `id==${FLOW_SPEC_PLAIN}` })}`);
    expect(byId.body.items.map((s: { id: string }) => s.id)).toEqual([FLOW_SPEC_PLAIN]);
  });

  test("a flow's `runs` link answers 200 {items:[…]}: no runs before its inlet got a record", async () => {
    const p = await provision(api, unique('runs'));
    const flow = (await api.get(`${FLOW}/flows/${p.flowId}`)).body.items[0];
    expect(flow.runs).toBe(`/runs?property=flowId==${p.flowId}`);
    const runs = await api.get(`${FLOW}${flow.runs}`);
    expect(runs.status).toBe(200);
    expect(runs.body).toEqual({ items: [], _links: {} });
    expect((await api.get(`${FLOW}/runs`)).status).toBe(200);
  });

  test('runs count the records the inlet received: ingested, and failed when they do not validate', async () => {
    const p = await provision(api, unique('runs-records'));
    const send = (entity: Record<string, unknown>) =>
      http(p.inletUrl, {
        method: 'POST',
        headers: { 'x-adobe-flow-id': p.flowId },
        body: xdmMessage(p.flowId, entity),
      });
    expect((await send({ _id: 'a' })).status).toBe(200);
    expect((await send({ _id: 'b' })).status).toBe(200);
    // Accepted (no syncValidation), then failed by streaming validation: _id must be a string.
    expect((await send({ _id: 42 })).status).toBe(200);
    const runs = await api.get(`${FLOW}/runs?${q({ property: `flowId==${p.flowId}` })}`);
    expect(runs.status).toBe(200);
    expect(runs.body.items).toHaveLength(1);
    const run = runs.body.items[0];
    expect(run).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      flowId: p.flowId,
      etag: expect.stringMatching(/^".+"$/),
      metrics: {
        recordSummary: { inputRecordCount: 3, outputRecordCount: 2, failedRecordCount: 1 },
        statusSummary: {
          status: 'success',
          errors: [{ code: 'INGEST-1212-400', message: expect.stringContaining('#/_id') }],
        },
        durationSummary: { startedAtUTC: expect.any(Number), completedAtUTC: expect.any(Number) },
      },
      activities: [expect.objectContaining({ id: 'promotionActivity' })],
    });
    const one = await api.get(`${FLOW}/runs/${run.id}`);
    expect(one.status).toBe(200);
    expect(one.body.items).toEqual([run]);
    // Another flow's runs are not this one's.
    const other = await provision(api, unique('runs-other'));
    const none = await api.get(`${FLOW}/runs?${q({ property: `flowId==${other.flowId}` })}`);
    expect(none.body.items).toEqual([]);
  });
});

describe('list bodies (2, 3)', () => {
  test('_links is always present ({} without a next page) on every paged list', async () => {
    await provision(api, unique('links'));
    for (const kind of ['connections', 'sourceConnections', 'targetConnections', 'flows']) {
      const res = await api.get(`${FLOW}/${kind}?${q({ property: 'name==nothing-is-called-so' })}`);
      expect(res.status).toBe(200);
      expect(res.body._links).toEqual({});
    }
  });

  test("the next link is /{kind}?continuationToken=<token> alone, as in Adobe's examples", async () => {
    const name = unique('page');
    for (let i = 0; i < 2; i++) await api.post(`${FLOW}/connections`, connectionBody(name));
    const first = await api.get(
      `${FLOW}/connections?${q({ property: `name==${name}`, limit: '1' })}`,
    );
    const href: string = first.body._links.next.href;
    expect(href).toMatch(/^\/connections\?continuationToken=[A-Za-z0-9_-]+$/);
    // What aepp does for flows/runs: take the token after the `=`, re-send the first parameters.
    const token = href.split('=')[1]!;
    const second = await api.get(
      `${FLOW}/connections?${q({ property: `name==${name}`, limit: '1', continuationToken: token })}`,
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body._links).toEqual({});
  });

  test('the next link re-sent verbatim pages on through the filtered list (aepp getConnections)', async () => {
    const name = unique('verbatim');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await api.post(`${FLOW}/connections`, connectionBody(name))).body.id);
    }
    // Others the filter must keep out of every page.
    for (let i = 0; i < 3; i++) await api.post(`${FLOW}/connections`, connectionBody(`${name}-x`));
    const seen: string[] = [];
    let res = await api.get(`${FLOW}/connections?${q({ property: `name==${name}`, limit: '2' })}`);
    for (let pages = 1; ; pages++) {
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      const href = res.body._links.next?.href as string | undefined;
      if (!href) break;
      expect(pages).toBeLessThan(5);
      res = await api.get(`${FLOW}${href}`);
    }
    expect(seen).toEqual(made);
  });
});

describe('flows (4)', () => {
  test('inheritedAttributes.properties.isSourceFlow==true finds source flows', async () => {
    const p = await provision(api, unique('src-flow'));
    const flow = (await api.get(`${FLOW}/flows/${p.flowId}`)).body.items[0];
    expect(flow.inheritedAttributes.properties).toEqual({
      isSourceFlow: true,
      isDestinationFlow: false,
    });
    const sources = await api.get(
      `${FLOW}/flows?${q({ property: 'inheritedAttributes.properties.isSourceFlow==true' })}`,
    );
    expect(sources.body.items.map((f: { id: string }) => f.id)).toContain(p.flowId);
    const destinations = await api.get(
      `${FLOW}/flows?${q({ property: 'inheritedAttributes.properties.isDestinationFlow==true' })}`,
    );
    expect(destinations.body.items).toEqual([]);
  });

  test("the flows list's next link is /flows?continuationToken=<token>, re-sent verbatim", async () => {
    for (let i = 0; i < 2; i++) await provision(api, unique('flow-page'));
    const first = await api.get(`${FLOW}/flows?${q({ limit: '1' })}`);
    const href: string = first.body._links.next.href;
    expect(href).toMatch(/^\/flows\?continuationToken=[A-Za-z0-9_-]+$/);
    const second = await api.get(`${FLOW}${href}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
  });
});

describe('Schema Registry (5, 6)', () => {
  const altId = '_acme.schemas.7f682c29f887512a897791e7161b90a1ae7ed3dd07a177b1';

  test('Accept application/vnd.adobe.xdm-full+json; version=1 is served (aepp getSchema)', async () => {
    const res = await api.get(`${SCHEMAS}/tenant/schemas/${encodeURIComponent(SCHEMA_ID)}`, {
      accept: 'application/vnd.adobe.xdm-full+json; version=1',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      $id: SCHEMA_ID,
      'meta:altId': altId,
      title: expect.any(String),
    });
    for (const accept of [
      'application/vnd.adobe.xdm+json; version=1',
      'application/vnd.adobe.xdm-notext+json; version=1',
      'application/vnd.adobe.xdm-full-notext+json; version=1',
    ]) {
      expect((await api.get(`${SCHEMAS}/tenant/schemas/${altId}`, { accept })).status).toBe(200);
    }
  });

  test('GET …/tenant/schemas/ (trailing slash) is the list', async () => {
    const res = await api.get(`${SCHEMAS}/tenant/schemas/`, {
      accept: 'application/vnd.adobe.xdm-id+json',
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { $id: string }) => r.$id)).toContain(SCHEMA_ID);
    expect(res.body._page).toMatchObject({ count: expect.any(Number) });
  });

  test('schema lists: _links is {next: null, global_schemas: {href}} (schema-registry.yaml listResponseBasic example)', async () => {
    // schemas.md "Retrieve a list of schemas": GET /tenant/schemas?orderby=title, Accept xed-id.
    const accept = { accept: 'application/vnd.adobe.xed-id+json' };
    const globalList = `${api.emu.url}${SCHEMAS}/global/schemas`;
    const tenant = await api.get(`${SCHEMAS}/tenant/schemas?orderby=title`, accept);
    expect(tenant.status).toBe(200);
    expect(tenant.body._links).toEqual({ next: null, global_schemas: { href: globalList } });
    // A client pages until `next` is null, then follows `global_schemas.href` as given.
    const followed = await http(tenant.body._links.global_schemas.href, {
      headers: api.headers(accept),
    });
    expect(followed.status).toBe(200);
    expect(followed.body.results).toEqual(expect.any(Array));
    // One path, one response schema (listSchemasResponse) for both containers.
    expect(followed.body._links).toEqual({ next: null, global_schemas: { href: globalList } });
  });

  test('lookup with an Accept without version → 400 XDM-1007-400 (schema-registry.yaml acceptErrorLookup)', async () => {
    // schemas.md "Look up a schema" prints this very request: Accept application/vnd.adobe.xed+json.
    const path = `${SCHEMAS}/tenant/schemas/${altId}`;
    const accept = 'application/vnd.adobe.xed+json';
    const res = await api.get(path, { accept });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'http://ns.adobe.com/aep/errors/XDM-1007-400',
      title: 'Accept header invalid',
      status: 400,
      report: { 'sub-errors': [] },
    });
    expect(res.body.detail).toBe(
      `The supplied Accept header is not valid: ${accept} - A valid Accept value should look like application/vnd.adobe.{xed|xdm}+json; version=1 (Version should be specified)`,
    );
    expect(res.body.report['detailed-message']).toBe(res.body.detail);
    // The code follows the endpoint (troubleshooting guide): a lookup answers 1007 for a missing or
    // unknown Accept too; a list answers 1006 (acceptErrorList).
    for (const other of [undefined, 'application/json']) {
      const bad = await api.get(path, other === undefined ? {} : { accept: other });
      expect([bad.status, bad.body.type]).toEqual([
        400,
        'http://ns.adobe.com/aep/errors/XDM-1007-400',
      ]);
    }
    const list = await api.get(`${SCHEMAS}/tenant/schemas`, { accept: 'application/json' });
    expect(list.status).toBe(400);
    expect(list.body).toMatchObject({
      type: 'http://ns.adobe.com/aep/errors/XDM-1006-400',
      title: 'Accept header invalid',
    });
  });
});

describe('Catalog (7)', () => {
  test('a dataset carries classification and the adobe/pqs + adobe/siphon tags', async () => {
    const name = unique('Streaming DS');
    const created = await api.post(`${CATALOG}/dataSets?requestDataSource=true`, {
      name,
      schemaRef: { id: SCHEMA_ID, contentType: 'application/vnd.adobe.xed+json;version=1' },
      tags: { unifiedProfile: ['enabled:true'] },
    });
    expect(created.status).toBe(201);
    const id = String(created.body[0]).replace('@/dataSets/', '');
    const ds = (await api.get(`${CATALOG}/dataSets/${id}`)).body[id];
    expect(ds.classification).toEqual({ dataBehavior: 'record', managedBy: 'CUSTOMER' });
    expect(ds.tags['adobe/pqs/table']).toEqual([expect.stringMatching(/^[a-z0-9_]+$/)]);
    expect(ds.tags['adobe/siphon/table/format']).toEqual([expect.any(String)]);
    expect(ds.tags.unifiedProfile).toEqual(['enabled:true']);
    // The same keys in a list (aepp getDataSets → getDatasetsInfos).
    const listed = (await api.get(`${CATALOG}/dataSets?${q({ name })}`)).body[id];
    expect(listed.classification.dataBehavior).toBe('record');
  });
});

describe('decisions between readings', () => {
  test('syncValidation=True (Python casing) validates like syncValidation=true', async () => {
    const p = await provision(api, unique('sync'));
    const bad = xdmMessage(p.flowId, { _id: 'x', extraneous: 1 });
    const res = await http(`${p.inletUrl}?syncValidation=True`, { method: 'POST', body: bad });
    expect(res.status).toBe(400);
    expect(res.body.title).toBe('Invalid XDM Message Format');
    const ok = await http(`${p.inletUrl}?syncValidation=True`, {
      method: 'POST',
      body: xdmMessage(p.flowId, { _id: 'y' }),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.syncValidation).toEqual({ status: 'pass' });
  });

  test("mappingSetDelete: 'unsupported' answers 405; the default keeps 204", async () => {
    const body = {
      outputSchema: { schemaRef: { id: SCHEMA_ID } },
      mappings: [{ sourceType: 'ATTRIBUTE', source: 'id', destination: '_id' }],
    };
    await withEmulator({ mappingSetDelete: 'unsupported' }, async ({ api: t }) => {
      const set = await t.post('/data/foundation/conversion/mappingSets', body);
      const del = await t.delete(`/data/foundation/conversion/mappingSets/${set.body.id}`);
      expect(del.status).toBe(405);
      expect((await t.get(`/data/foundation/conversion/mappingSets/${set.body.id}`)).status).toBe(
        200,
      );
    });
    const set = await api.post('/data/foundation/conversion/mappingSets', body);
    expect(
      (await api.delete(`/data/foundation/conversion/mappingSets/${set.body.id}`)).status,
    ).toBe(204);
  });

  test('a base connection used only by a source connection can be deleted; the source connection stays', async () => {
    const base = await api.post(`${FLOW}/connections`, connectionBody(unique('orphan')));
    const src = await api.post(`${FLOW}/sourceConnections`, {
      name: 'orphan source',
      baseConnectionId: base.body.id,
      connectionSpec: { id: HTTP_API_SPEC, version: '1.0' },
    });
    expect((await api.delete(`${FLOW}/connections/${base.body.id}`)).status).toBe(204);
    expect((await api.get(`${FLOW}/connections/${base.body.id}`)).status).toBe(404);
    const left = await api.get(`${FLOW}/sourceConnections/${src.body.id}`);
    expect(left.status).toBe(200);
    expect(left.body.items[0].baseConnectionId).toBe(base.body.id);
  });
});
