import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/** Attaches to the dev server started by global-setup.ts (never downloads anything). */
export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) {
    throw new Error(
      'TEMPORAL_TEST_ADDRESS is unset: tests must run through jest (globalSetup starts the dev server)',
    );
  }
  return TestWorkflowEnvironment.createFromExistingServer({
    address,
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
  });
}

/** A task queue no other test uses, so workers of parallel suites never steal each other's tasks. */
export function freshTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}
