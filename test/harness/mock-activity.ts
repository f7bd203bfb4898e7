import type { Info } from '@temporalio/activity';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';

/**
 * A MockActivityEnvironment whose logger prints errors only: the activity failures the tests
 * provoke on purpose (and assert on) would otherwise print a warning with a stack each.
 */
export function mockActivityEnvironment(info: Partial<Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
}
