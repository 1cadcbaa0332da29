import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileStore } from '../src/index.js';
import { describeObjectStoreConformance } from './conformance.js';

describeObjectStoreConformance(
  'file',
  async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'mlops-file-store-'));
    return { store: createFileStore({ root }), cleanup: () => rm(root, { recursive: true, force: true }) };
  },
  { checkStreamingMemory: true },
);
