// Replaced by the Temporal dev-server harness (see issue 2).
export default async function globalSetup(): Promise<void> {}
