import { createMemoryStore } from '@mlops/storage';
import { describeRegistrySuite } from './registry-suite.js';

// Separate registry instances (each with its own index cache) share one in-process store.
describeRegistrySuite('memory', async () => {
  const store = createMemoryStore();
  const shared = { ...store, close: async () => undefined };
  return { newStore: () => shared, cleanup: () => store.close() };
}, { searchVersions: 300 });
