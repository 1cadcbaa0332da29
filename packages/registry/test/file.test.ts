import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileStore } from '@mlops/storage';
import { describeRegistrySuite } from './registry-suite.js';

describeRegistrySuite('file', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'registry-file-'));
  return { newStore: () => createFileStore({ root }), cleanup: () => rm(root, { recursive: true, force: true }) };
}, { searchVersions: 100 });
