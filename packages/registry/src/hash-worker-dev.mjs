// Source-mode bootstrap of the hashing worker (tests, tsx): the built package loads
// hash-worker-thread.js directly; from src/ the TypeScript entry is loaded through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./hash-worker-thread.ts');
