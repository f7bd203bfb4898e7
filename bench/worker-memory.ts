/**
 * The workers' memory settings: the worker image's environment (Dockerfile, runtime stage; a test
 * holds the two equal) and what the benchmark runs its workers with unless told otherwise
 * (docs/benchmark.md, "Worker memory").
 */

/**
 * Heap caps. Node sizes its heap from the machine's memory and collects lazily, so an uncapped
 * worker grows to 400-470 MB at 1,000 concurrent provisionings; capped, it stays near 300-350 MB
 * with no loss of throughput.
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=4';

/**
 * glibc's malloc arenas. By default each thread that allocates may get an arena of its own (up
 * to eight per core): a worker has Node's main and workflow threads, V8's helpers and Core's
 * tokio threads, and the arenas keep memory they no longer use. Two arenas took 20-60 MB off the
 * largest worker's peak at 1,000 concurrent provisionings.
 */
export const WORKER_MALLOC_ARENA_MAX = '2';
