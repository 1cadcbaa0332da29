import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mixedTable } from '../test/fixtures.js';
import { writeCsvFile } from './csv.js';
import { MlopsError } from './errors.js';
import { createIpcWriter, writeIpcFile } from './ipc.js';
import { writeParquetFile } from './parquet.js';

describe('file writers', () => {
  const missing = path.join(tmpdir(), `mlops-no-such-dir-${process.pid}`, 'out.file');
  it.each([
    ['IPC', () => writeIpcFile(missing, mixedTable(3))],
    ['Parquet', () => writeParquetFile(missing, mixedTable(3))],
    ['CSV', () => writeCsvFile(missing, mixedTable(3))],
  ])('%s: a missing directory is NOT_FOUND naming it', async (_name, write) => {
    await expect(write()).rejects.toSatisfy((e) => MlopsError.isInstance(e, 'NOT_FOUND') && (e as Error).message.includes('does not exist'));
  });

  it('an IPC writer needs exactly one destination', () => {
    expect(() => createIpcWriter({})).toThrowError(/exactly one destination/);
  });
});
