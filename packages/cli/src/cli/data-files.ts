import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Table } from 'apache-arrow';
import { usageError } from './usage-error.js';

/** Table file formats the CLI reads and writes, by extension. */
export type TableFormat = 'csv' | 'parquet' | 'arrow';

const FORMATS: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.arrow': 'arrow',
  '.ipc': 'arrow',
  '.feather': 'arrow',
  '.arrows': 'arrow',
};

/** The format of `file` from its extension, or `undefined`. */
export function tableFormatOf(file: string): TableFormat | undefined {
  return FORMATS[path.extname(file).toLowerCase()];
}

/** Fails with one clear line (exit 2) unless `file` is an existing regular file. */
export async function requireFile(file: string, what: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw usageError(`${what} ${file}: no such file.`);
  if (!info.isFile()) throw usageError(`${what} ${file}: expected a file, found a directory.`);
}

/** Reads a CSV, Parquet or Arrow IPC file (by extension) with @mlops/contracts IO. */
export async function readTableFile(file: string, what = 'Data file'): Promise<Table> {
  const format = tableFormatOf(file);
  if (!format) throw usageError(`${what} ${file}: unknown format; expected .csv, .parquet or .arrow/.ipc/.feather.`);
  await requireFile(file, what);
  const io = await import('@mlops/contracts');
  try {
    if (format === 'csv') return await io.readCsvFile(file);
    if (format === 'parquet') return await io.readParquet(file);
    return await io.readIpcFile(file);
  } catch (error) {
    const { MlopsError } = await import('@mlops/contracts/errors');
    if (MlopsError.isInstance(error)) throw error;
    // apache-arrow and the Parquet reader throw plain errors on foreign bytes: that is unreadable input, exit 2.
    throw usageError(`${what} ${file}: could not read it as ${format} (${(error as Error).message}).`, error);
  }
}

/** Writes a table as CSV, Parquet or Arrow IPC, by the extension of `file`. */
export async function writeTableFile(file: string, table: Table): Promise<void> {
  const format = tableFormatOf(file);
  if (!format) throw usageError(`Output ${file}: unknown format; expected .csv, .parquet or .arrow.`);
  const io = await import('@mlops/contracts');
  if (format === 'csv') await io.writeCsvFile(file, table);
  else if (format === 'parquet') await io.writeParquetFile(file, table);
  else await io.writeIpcFile(file, table);
}
