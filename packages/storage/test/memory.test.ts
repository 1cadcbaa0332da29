import { createMemoryStore } from '../src/index.js';
import { describeObjectStoreConformance } from './conformance.js';

describeObjectStoreConformance('memory', async () => ({ store: createMemoryStore() }));
