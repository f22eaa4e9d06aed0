/**
 * Node flags of the engine in production: the Dockerfile's ENTRYPOINT, `npm start` and the bin's
 * shebang carry them, and the benchmark runs the engine with them
 * (test/cli/container-entrypoint.test.ts checks they agree). A 512 MB old-space limit makes V8
 * collect before its heap balloons under a burst of ingest; the engine's live data is small by
 * design (a bounded hold in memory, the rest in the store).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512'];
