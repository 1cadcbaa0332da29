// Subpath entry `@mlops/features/duckdb`: the DuckDB engine with its connection options.
export { createDuckDbEngine } from './duckdb-engine.js';
export type { DuckDbEngine, DuckDbEngineOptions } from './duckdb-engine.js';
