/** Workflow entry point bundled by the worker (workflowsPath). Deterministic sandbox code only. */
export { ProvisionStreamingSource } from './provision';
export { DeprovisionStreamingSource } from './teardown';
export { PlanStreamingSource } from './plan';
export { StreamingDataset } from './dataset';
export { ReadFlowHealth, FindApplySet, ResolveStreamingSource } from './reads';
export { AepRequestBudget } from './rate';
export { ReconcileSources } from './reconcile';
