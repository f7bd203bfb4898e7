/**
 * The contract of the dataset workflow (src/workflows/dataset.ts): what a source asks of a
 * dataset it names by name, and what it is answered. Plain types only (workflows import them).
 */

/** What the dataset workflow holds. Writers are source names; the dataset is the current one. */
export interface DatasetState {
  imsOrg: string;
  sandbox: string;
  /** The dataset's name, which the sources name it by. */
  name: string;
  /** The dataset this name stands for (absent until created or found, and after its delete). */
  datasetId?: string;
  schemaId?: string;
  /** The sources writing to it (their target connections exist or are being created). */
  writers: string[];
  /** The run that created the current dataset, when this workflow saw it happen. */
  createdByRun?: string;
  /** Runs that left it through their compensation: they failed, and never wrote data there. */
  failedRuns?: string[];
  /** A source torn down (not compensated) wrote to it: it may hold data. */
  mayHoldData?: boolean;
}

/** A source (the run `runId` of it) is about to write to the dataset named `name`. */
export interface AcquireDatasetInput {
  sandbox: string;
  name: string;
  source: string;
  runId: string;
  schemaId: string;
  /** The description a new dataset gets (the ownership marker is appended). */
  description?: string;
}

export interface AcquiredDataset {
  id: string;
  /** Created for this very run (compensation may delete it when no other source writes to it). */
  created: boolean;
  /** Another dataset this name stood for, kept with its data (its schema was another one). */
  retired?: string;
}

/** A source stops writing to the dataset named `name`. */
export interface ReleaseDatasetInput {
  sandbox: string;
  name: string;
  source: string;
  /** The dataset the source wrote to; the name's current one when absent. */
  datasetId?: string;
  /** Delete it too, when no source writes to it any more; otherwise it is kept (`retained`). */
  deleteDataset: boolean;
  /** Delete it only if this run created it (a failed provisioning's compensation). */
  createdByRun?: string;
}

export interface ReleasedDataset {
  /** The dataset concerned, when there was one. */
  id?: string;
  outcome: 'deleted' | 'absent' | 'kept';
  /** Why it was kept: `retained` (no delete asked), `in use by …`, `not created by …`. */
  reason?: string;
}
