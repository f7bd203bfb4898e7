/**
 * The workers' heap caps: the worker image's NODE_OPTIONS (Dockerfile, runtime stage; a test
 * holds the two equal) and what the benchmark runs its workers with unless told otherwise
 * (docs/benchmark.md, "worker memory"). Node sizes its heap from the machine's memory and
 * collects lazily, so an uncapped worker grows to 400-470 MB at 1,000 concurrent provisionings;
 * capped, it stays near 275-345 MB with no loss of throughput.
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=4';
