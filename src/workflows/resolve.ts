/**
 * ResolveStreamingSource: read-only. The source a dataflow belongs to (teardown by flow id first
 * resolves the name, so that it runs under the source's one workflow id).
 */
import type { ResolvedSource } from '../activities/types';
import { step } from './steps';

export async function ResolveStreamingSource(input: {
  sandbox: string;
  flowId: string;
}): Promise<ResolvedSource> {
  return step('resolveFlowSource', `Find the source of dataflow ${input.flowId}`, input);
}
