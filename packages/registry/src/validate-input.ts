import { InvalidArgumentError } from '@mlops/contracts/errors';
import { LIMITS, validateKey, validateModelName, validateTag } from './names.js';
import type { Lineage, ModelSignature, ParamValue } from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalRecord(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new InvalidArgumentError(`Expected ${field} to be an object, found ${Array.isArray(value) ? 'an array' : typeof value}.`);
  return value;
}

/** The registration input after validation, with defaults filled in. */
export interface CheckedRegistration {
  name: string;
  description: string;
  metrics: Record<string, number>;
  params: Record<string, ParamValue>;
  tags: Record<string, string>;
  lineage: Lineage;
  signature?: ModelSignature;
}

function checkSignature(value: unknown): ModelSignature {
  if (!isPlainObject(value) || !Array.isArray(value.inputs) || !Array.isArray(value.outputs)) {
    throw new InvalidArgumentError('Expected signature to be { inputs: [...], outputs: [...] } where each field is { name, dtype, shape? }.');
  }
  for (const [side, fields] of [['inputs', value.inputs], ['outputs', value.outputs]] as const) {
    (fields as unknown[]).forEach((f, i) => {
      if (!isPlainObject(f) || typeof f.name !== 'string' || typeof f.dtype !== 'string') {
        throw new InvalidArgumentError(`signature.${side}[${i}] must be { name: string, dtype: string, shape?: number[] }, found ${JSON.stringify(f)}.`);
      }
      if (f.shape !== undefined && (!Array.isArray(f.shape) || f.shape.some((d) => !Number.isInteger(d) || (d as number) < -1))) {
        throw new InvalidArgumentError(`signature.${side}[${i}].shape must be whole numbers (-1 for a variable dimension), found ${JSON.stringify(f.shape)}.`);
      }
    });
  }
  return JSON.parse(JSON.stringify(value)) as ModelSignature;
}

function checkLineage(value: unknown): Lineage {
  const lineage = optionalRecord('lineage', value);
  const out: Lineage = {};
  if (lineage.datasets !== undefined) {
    if (!Array.isArray(lineage.datasets)) throw new InvalidArgumentError('Expected lineage.datasets to be an array of { uri, sha256?, role? }.');
    out.datasets = lineage.datasets.map((d, i) => {
      if (!isPlainObject(d) || typeof d.uri !== 'string' || d.uri.length === 0) {
        throw new InvalidArgumentError(`lineage.datasets[${i}] needs a non-empty uri string, found ${JSON.stringify(d)}.`);
      }
      if (d.sha256 !== undefined && (typeof d.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(d.sha256))) {
        throw new InvalidArgumentError(`lineage.datasets[${i}].sha256 must be 64 lowercase hex characters, found ${JSON.stringify(d.sha256)}.`);
      }
      const ref: { uri: string; sha256?: string; role?: string } = { uri: d.uri };
      if (d.sha256 !== undefined) ref.sha256 = d.sha256 as string;
      if (typeof d.role === 'string') ref.role = d.role;
      return ref;
    });
  }
  if (lineage.code !== undefined) {
    const c = lineage.code;
    if (!isPlainObject(c) || typeof c.repo !== 'string' || typeof c.commit !== 'string') {
      throw new InvalidArgumentError(`Expected lineage.code to be { repo: string, commit: string, path?: string }, found ${JSON.stringify(c)}.`);
    }
    out.code = { repo: c.repo, commit: c.commit, ...(typeof c.path === 'string' ? { path: c.path } : {}) };
  }
  for (const field of ['parentRun', 'author'] as const) {
    const v = lineage[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new InvalidArgumentError(`Expected lineage.${field} to be a string, found ${typeof v}.`);
    out[field] = v;
  }
  return out;
}

/** Throws `INVALID_ARGUMENT` when a registration carries more entries than the limit. */
export function checkCount(field: 'metrics' | 'params' | 'tags', count: number, limit: number): void {
  if (count > limit) {
    throw new InvalidArgumentError(`A version may carry at most ${limit} ${field}; found ${count}. Keep the rest in an artifact (e.g. a JSON file).`, {
      details: { field, limit, found: count },
    });
  }
}

/** Validates everything in a registration except the artifacts; throws `INVALID_ARGUMENT` naming the field. */
export function validateRegistration(input: unknown): CheckedRegistration {
  if (!isPlainObject(input)) throw new InvalidArgumentError('registerModelVersion needs an object { name, artifacts, ... }.');
  const name = validateModelName(input.name);
  if (input.description !== undefined && typeof input.description !== 'string') {
    throw new InvalidArgumentError(`Expected description to be a string, found ${typeof input.description}.`);
  }
  if (typeof input.description === 'string' && input.description.length > LIMITS.descriptionLength) {
    throw new InvalidArgumentError(
      `The description has ${input.description.length} characters; at most ${LIMITS.descriptionLength} are allowed. Put long documentation in an artifact (e.g. README.md).`,
      { details: { field: 'description', limit: LIMITS.descriptionLength, found: input.description.length } },
    );
  }
  const metricEntries = Object.entries(optionalRecord('metrics', input.metrics));
  const paramEntries = Object.entries(optionalRecord('params', input.params));
  const tagEntries = Object.entries(optionalRecord('tags', input.tags));
  checkCount('metrics', metricEntries.length, LIMITS.metricsPerVersion);
  checkCount('params', paramEntries.length, LIMITS.paramsPerVersion);
  checkCount('tags', tagEntries.length, LIMITS.tagsPerVersion);
  const metrics: Record<string, number> = {};
  for (const [k, v] of metricEntries) {
    validateKey('metric', k);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidArgumentError(`Metric "${k}" must be a finite number, found ${JSON.stringify(v)}. Store non-numeric results as params or tags.`);
    }
    metrics[k] = v;
  }
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of paramEntries) {
    validateKey('param', k);
    if (typeof v === 'string' && v.length > LIMITS.paramValueLength) {
      throw new InvalidArgumentError(`Param "${k}" has ${v.length} characters; at most ${LIMITS.paramValueLength} are allowed. Store large values as an artifact.`, {
        details: { field: `params.${k}`, limit: LIMITS.paramValueLength, found: v.length },
      });
    }
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new InvalidArgumentError(`Param "${k}" must be a string, finite number or boolean, found ${JSON.stringify(v)}. Serialize structured values with JSON.stringify.`);
    }
    params[k] = v;
  }
  const tags: Record<string, string> = {};
  for (const [k, v] of tagEntries) {
    validateTag(k, v);
    tags[k] = v as string;
  }
  const checked: CheckedRegistration = { name, description: (input.description as string | undefined) ?? '', metrics, params, tags, lineage: checkLineage(input.lineage) };
  if (input.signature !== undefined) checked.signature = checkSignature(input.signature);
  return checked;
}
