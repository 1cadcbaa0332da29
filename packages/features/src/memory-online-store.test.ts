import { runOnlineStoreConformance } from '../test/online-store-conformance.js';
import { createMemoryOnlineStore } from './index.js';

runOnlineStoreConformance('memory', async () => createMemoryOnlineStore());
