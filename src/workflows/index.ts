/** Workflow entry point bundled by the worker (workflowsPath). Deterministic sandbox code only. */
export { ProvisionStreamingSource } from './provision';
export { DeprovisionStreamingSource } from './deprovision';
export { PlanStreamingSource } from './plan';
export { ResolveStreamingSource } from './resolve';
export { StreamingDataset } from './dataset';
