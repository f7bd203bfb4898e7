/**
 * The AEP client module. Runtime exports do I/O and belong to activities and the worker;
 * workflows may only `import type` from here.
 */
export {
  createAepClient,
  type AepClient,
  type AepClientConfig,
  type AepClientDeps,
} from './client';
export { createTokenProvider, type TokenProvider, type TokenProviderDeps } from './token';
export {
  toAepFailure,
  aepFailureDetails,
  isCancellation,
  parseRetryAfter,
  type AepFailureDetails,
  type AepErrorContext,
} from './errors';
export * from './constants';
export type * from './types';
