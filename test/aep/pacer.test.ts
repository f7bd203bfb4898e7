/**
 * The process's pace of Platform requests (src/aep/pacer.ts), alone and in the AEP client against
 * the emulator: spacing, no request without a grant, and a 429's Retry-After holding the process.
 */
import { ApplicationFailure } from '@temporalio/common';
import { startEmulator } from '../../emulator';
import { createAepClient } from '../../src/aep/client';
import { DELAY_VARIATION_MS, RequestPacer } from '../../src/aep/pacer';
import { Secret } from '../../src/config/fields';
import { FailureType } from '../../src/shared/names';

const now = () => performance.now();

describe('RequestPacer', () => {
  test('nothing leaves before the first grant: a waiting request ends with its signal', async () => {
    const pacer = new RequestPacer();
    const err = await pacer.take(AbortSignal.timeout(100)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(pacer.waiting).toBe(0);
  });

  test(`requests leave one at a time, (1000 + ${DELAY_VARIATION_MS}) / share ms apart`, async () => {
    const pacer = new RequestPacer();
    pacer.grant(20, now() + 10_000);
    const left: number[] = [];
    await Promise.all(Array.from({ length: 5 }, () => pacer.take().then(() => left.push(now()))));
    const gaps = left.slice(1).map((t, i) => t - left[i]!);
    // Timers fire on whole milliseconds: a gap may look up to 1 ms short.
    for (const gap of gaps)
      expect(gap).toBeGreaterThanOrEqual((1000 + DELAY_VARIATION_MS) / 20 - 1);
  });

  test('once a grant has ended nothing leaves until the next one', async () => {
    const pacer = new RequestPacer();
    pacer.grant(1000, now() + 50);
    await pacer.take();
    await new Promise((r) => setTimeout(r, 80));
    expect(pacer.share).toBe(0);
    const waiting = pacer.take();
    await new Promise((r) => setTimeout(r, 50));
    expect(pacer.waiting).toBe(1);
    pacer.grant(1000, now() + 1000);
    await waiting;
    expect(pacer.waiting).toBe(0);
  });
});

describe('in the AEP client', () => {
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  test("a 429's Retry-After holds the process's next Platform request that long", async () => {
    const pacer = new RequestPacer();
    pacer.grant(1000, now() + 60_000);
    const aep = createAepClient({
      pacer,
      config: {
        AEP_PLATFORM_URL: emu.url,
        AEP_IMS_URL: emu.url,
        AEP_CLIENT_ID: emu.credentials.clientId,
        AEP_CLIENT_SECRET: new Secret(emu.credentials.clientSecret),
        AEP_ORG_ID: emu.credentials.orgId,
        AEP_SCOPES: 'openid,AdobeID',
        AEP_REQUEST_TIMEOUT_MS: 5_000,
      },
    });
    await emu.control.addFault({
      path: '/data/foundation/catalog/**',
      count: 1,
      action: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const f = await aep.findDatasets('prod', { name: 'anything' }).catch((e: unknown) => e);
    const throttledAt = now();
    // The mapping is as before: retryable, the Retry-After as the next retry's delay.
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect((f as ApplicationFailure).type).toBe(FailureType.AepRateLimited);
    expect((f as ApplicationFailure).nextRetryDelay).toBe(1_000);
    // Another call, on another API: it waits out the pause before it is sent.
    await aep.listConnections('prod', []);
    expect(now() - throttledAt).toBeGreaterThanOrEqual(990);
    const sent = (await emu.control.stats()).requests;
    expect(sent['GET /data/foundation/flowservice/connections']).toBe(1);
  });
});
