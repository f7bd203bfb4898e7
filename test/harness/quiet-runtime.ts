import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * In-process workers of the test suites log only errors: the warnings they would print are the
 * failures the tests inject on purpose (and assert on). Worker processes started by tests keep
 * their own JSON logs.
 */
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed in this jest worker by an earlier test file.
}
