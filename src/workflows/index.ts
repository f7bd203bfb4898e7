/** Workflow entry point bundled by the worker (workflowsPath). Deterministic sandbox code only. */
export { ProvisionStreamingSource } from './provision';
export { DeprovisionStreamingSource } from './teardown';
export { PlanStreamingSource, ResolveStreamingSource } from './plan';
export { StreamingDataset } from './dataset';
