import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../../cli/usage-error.js';

/** One model of a folder: its name and `version -> .onnx file`. */
export interface FolderModel {
  name: string;
  versions: { version: string; file: string }[];
}

const isOnnx = (f: string) => f.toLowerCase().endsWith('.onnx');

async function onnxFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && isOnnx(e.name)).map((e) => path.join(dir, e.name)).sort();
}

async function pickOne(dir: string, where: string): Promise<string | undefined> {
  const files = await onnxFilesIn(dir);
  if (files.length <= 1) return files[0];
  const preferred = files.find((f) => path.basename(f) === 'model.onnx');
  if (preferred) return preferred;
  throw usageError(`${where} holds ${files.length} .onnx files (${files.map((f) => path.basename(f)).join(', ')}); name one model.onnx or give each model its own folder.`);
}

/**
 * Reads a Triton-style model folder:
 * - `dir/model.onnx` (one model: a KServe storage mount) -> served as `singleName`;
 * - `dir/<model>/<version>/model.onnx` -> every numeric version, the highest is the default;
 * - `dir/<model>/model.onnx` -> version 1;
 * - `dir/<name>.onnx` -> model `<name>`, version 1.
 */
export async function readModelFolder(dir: string, singleName: string): Promise<FolderModel[]> {
  const single = await pickOne(dir, dir);
  const entries = await readdir(dir, { withFileTypes: true });
  const subdirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (single && path.basename(single) === 'model.onnx') return [{ name: singleName, versions: [{ version: '1', file: single }] }];
  const models: FolderModel[] = [];
  for (const f of await onnxFilesIn(dir)) models.push({ name: path.basename(f).slice(0, -'.onnx'.length), versions: [{ version: '1', file: f }] });
  for (const name of subdirs) {
    const modelDir = path.join(dir, name);
    const versionDirs = (await readdir(modelDir, { withFileTypes: true })).filter((e) => e.isDirectory() && /^\d+$/.test(e.name)).map((e) => e.name);
    const versions: FolderModel['versions'] = [];
    for (const v of versionDirs.sort((a, b) => Number(a) - Number(b))) {
      const file = await pickOne(path.join(modelDir, v), path.join(modelDir, v));
      if (file) versions.push({ version: String(Number(v)), file });
    }
    if (versions.length === 0) {
      const file = await pickOne(modelDir, modelDir);
      if (file) versions.push({ version: '1', file });
    }
    if (versions.length) models.push({ name, versions });
  }
  if (models.length === 0) throw usageError(`Model folder ${dir} has no .onnx files; expected ${dir}/model.onnx, ${dir}/<model>/<version>/model.onnx or ${dir}/<model>.onnx.`);
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name)) throw usageError(`Model folder ${dir} defines model "${m.name}" twice (a file and a folder); keep one.`);
    names.add(m.name);
  }
  return models;
}

/** Whether `target` is an existing directory, a file, or neither. */
export async function kindOf(target: string): Promise<'dir' | 'file' | undefined> {
  const info = await stat(target).catch(() => undefined);
  return info?.isDirectory() ? 'dir' : info?.isFile() ? 'file' : undefined;
}
