import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * In-process workers of the test suites log only errors, and so does the SDK core under them:
 * the warnings they would print are the failures the tests inject on purpose (and assert on),
 * e.g. the replay test's deliberately non-deterministic workflow. Worker processes started by
 * tests keep their own JSON logs.
 */
try {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
} catch {
  // Already installed in this jest worker by an earlier test file.
}
