import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMPOSE_FILE, composeService, readCompose, serviceEnv } from '../../tools/compose-env';
import { REPO_ROOT } from '../../tools/dev-server';

/**
 * Issue #25, items 2 and 7: Temporal's own doors in the compose stack (they bypass the API's keys
 * with the worker's credentials), and the Node.js the project runs on.
 */
describe("the compose stack closes Temporal's own doors", () => {
  const compose = readCompose();

  test('the frontend is not published on the host: reached on the stack network only', () => {
    const temporal = composeService(compose, 'temporal') as { ports?: string[] };
    expect(temporal.ports).toBeUndefined();
  });

  test("the UI's write actions are off unless asked", () => {
    const ui = serviceEnv(composeService(compose, 'temporal-ui'));
    expect(ui.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
    expect(
      serviceEnv(composeService(compose, 'temporal-ui'), {
        TEMPORAL_DISABLE_WRITE_ACTIONS: 'false',
      }).TEMPORAL_DISABLE_WRITE_ACTIONS,
    ).toBe('false');
  });

  test('the database password has no default: compose refuses to start without one', () => {
    const raw = readFileSync(COMPOSE_FILE, 'utf8');
    const uses = [...raw.matchAll(/\$\{POSTGRES_PASSWORD(:?[-?])?[^}]*\}/g)];
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const m of uses) expect(m[1]).toBe(':?');
  });
});

test('the tests run on the Node.js the image runs, which engines and the installer name', () => {
  const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const image = /ARG NODE_IMAGE=node:(\d+)-/.exec(read('Dockerfile'))?.[1];
  const engines = /^>=(\d+)$/.exec(
    (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node,
  )?.[1];
  const installed = /NODE_VERSION:-(\d+)\./.exec(read('scripts/install-node.sh'))?.[1];
  expect([engines, installed]).toEqual([image, image]);
  // Node 20 reached end of life on 2026-04-30.
  expect(Number(image)).toBeGreaterThanOrEqual(24);
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(Number(image));
});
