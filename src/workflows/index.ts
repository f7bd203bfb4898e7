/** Workflow entry point bundled by the worker (workflowsPath). Deterministic sandbox code only. */
export { ProvisionStreamingSource } from './provision';
export { DeprovisionStreamingSource, ResolveStreamingSource } from './teardown';
export { PlanStreamingSource } from './plan';
export { StreamingDataset } from './dataset';
export { ReadFlowHealth } from './health';
export { AepRequestBudget } from './rate';
export { FindApplySet } from './sets';
export { ReconcileSources } from './reconcile';
