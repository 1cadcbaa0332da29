import { Dictionary, Float32, Float64, Int32, Int64, Table, TimeUnit, Timestamp, Utf8, makeVector, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { buildTable, contractSchema } from './contract-schema.js';
import { driftResultContract, driftResultSchema } from './drift-result.js';
import { MlopsError, SchemaMismatchError } from './errors.js';
import { featureFrameContract, featureFrameSchema } from './feature-frame.js';
import { predictionLogContract, predictionLogSchema } from './prediction-log.js';
import { describeContract, defineTableContract } from './table-contract.js';
import { usageRecordContract, usageRecordSchema } from './usage-record.js';
import { checkTable, validateTable } from './validate-table.js';

const T0 = Date.UTC(2026, 10, 23, 12);

function predictionLog(rows = 3) {
  const schema = predictionLogSchema({ inputs: ['age', { name: 'country', arrowType: 'dictionary-utf8' }], outputs: ['score'] });
  return buildTable(schema, {
    request_id: Array.from({ length: rows }, (_, i) => `r${i}`),
    timestamp: Array.from({ length: rows }, (_, i) => T0 + i),
    model_name: Array(rows).fill('churn'),
    model_version: Array(rows).fill('3'),
    latency_ms: Array.from({ length: rows }, (_, i) => 1.5 + i),
    input_age: [31, null, 40].slice(0, rows),
    input_country: ['fr', 'de', null].slice(0, rows),
    output_score: [0.1, 0.9, 0.4].slice(0, rows),
  });
}

describe('PredictionLog', () => {
  it('a built table passes, with the documented types', () => {
    const t = predictionLog();
    const contract = predictionLogContract({ inputs: ['age', 'country'], outputs: ['score'] });
    expect(validateTable(t, contract, { strict: true })).toBe(t);
    expect(String(t.schema.fields.find((f) => f.name === 'timestamp')!.type)).toBe('Timestamp<MILLISECOND, UTC>');
    expect(String(t.schema.fields.find((f) => f.name === 'model_name')!.type)).toBe('Dictionary<Int32, Utf8>');
    expect(t.getChild('timestamp')!.get(1)).toBe(T0 + 1);
    expect(checkTable(t, predictionLogContract()).ok).toBe(true);
  });

  it('reports every problem at once: missing, wrong type, nulls, extra', () => {
    const t = new Table({
      request_id: vectorFromArray(['a', null, null], new Utf8()),
      timestamp: vectorFromArray(['x', 'y', 'z'], new Utf8()),
      model_name: vectorFromArray(['m', 'm', 'm'], new Dictionary(new Utf8(), new Int32())),
      latency_ms: vectorFromArray([1, 2, 3], new Float32()),
      input_age: vectorFromArray([1, 2, 3], new Float64()),
      debug: vectorFromArray([1, 2, 3], new Int32()),
    });
    const contract = predictionLogContract({ inputs: ['age', 'income'], strict: true });
    let error: unknown;
    try {
      validateTable(t, contract);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect(MlopsError.isInstance(error, 'SCHEMA_MISMATCH')).toBe(true);
    const e = error as SchemaMismatchError;
    expect(e.problems).toHaveLength(6);
    const kinds = (e.details!.problems as { kind: string; column: string }[]).map((p) => `${p.kind}:${p.column}`);
    expect(kinds.sort()).toEqual([
      'extra-column:debug',
      'missing-column:input_income',
      'missing-column:model_version',
      'unexpected-nulls:request_id',
      'wrong-type:latency_ms',
      'wrong-type:timestamp',
    ]);
    expect(e.message).toContain('6 problems');
    expect(e.message).toContain('column "latency_ms": expected Float64, found Float32');
    expect(e.message).toContain('column "request_id": expected no nulls, found 2 nulls (first at row 1)');
    expect(e.message).toContain('column "timestamp": expected a Timestamp');
    expect(e.message).toContain('validate with strict: false');
    // Without strict, the extra column is fine; everything else still fails.
    expect(checkTable(t, contract, { strict: false }).problems).toHaveLength(5);
  });

  it('checks input_/output_ families when inputs are not declared', () => {
    const t = predictionLog();
    const withBadInput = new Table({ ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])), input_blob: vectorFromArray([[1], [2], [3]]) });
    const problems = checkTable(withBadInput, predictionLogContract()).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'wrong-type', column: 'input_blob' });
  });

  it('accepts other timestamp units and epoch-ms numbers, with a note', () => {
    const t = predictionLog();
    const us = new Table({
      ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])),
      timestamp: makeVector({ type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), data: new BigInt64Array([1n, 2n, 3n]) }),
    });
    const result = checkTable(us, predictionLogContract());
    expect(result.ok).toBe(true);
    expect(result.notes[0]!.message).toContain('Timestamp<us, UTC>');
    const asInt = new Table({ ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])), timestamp: vectorFromArray([1n, 2n, 3n], new Int64()) });
    expect(checkTable(asInt, predictionLogContract()).ok).toBe(true);
  });

  it('rejects bad input names', () => {
    expect(() => predictionLogContract({ inputs: ['bad name'] })).toThrowError(/not a valid column name/);
  });
});

describe('FeatureFrame', () => {
  it('good frame passes; created_timestamp optional by default, required when asked', () => {
    const schema = featureFrameSchema({ entityKeys: [{ name: 'customer_id', arrowType: 'int64' }], features: ['spend_30d'], createdTimestamp: false });
    const t = buildTable(schema, { customer_id: [1n, 2n], event_timestamp: [T0, T0 + 1], spend_30d: [1.5, null] });
    expect(checkTable(t, featureFrameContract({ entityKeys: ['customer_id'], features: ['spend_30d'] })).ok).toBe(true);
    const required = checkTable(t, featureFrameContract({ entityKeys: ['customer_id'], createdTimestamp: true }));
    expect(required.problems.map((p) => p.kind)).toEqual(['missing-column']);
  });

  it('bad frame: null key, wrong key type, non-timestamp event time', () => {
    const t = tableFromArrays({
      customer_id: new Float64Array([1, 2]),
      store_id: ['a', null] as (string | null)[],
      event_timestamp: new Float64Array([T0, T0]),
    });
    const problems = checkTable(t, featureFrameContract({ entityKeys: ['customer_id', 'store_id'] })).problems;
    expect(problems.map((p) => `${p.kind}:${p.column}`)).toEqual(['wrong-type:customer_id', 'unexpected-nulls:store_id', 'wrong-type:event_timestamp']);
    expect(() => featureFrameContract({ entityKeys: [] })).toThrowError(/at least one entity key/);
  });
});

describe('UsageRecord', () => {
  const schema = usageRecordSchema({ labels: ['cost_center'] });
  const good = () =>
    buildTable(schema, {
      interval_start: [T0, T0],
      interval_end: [T0 + 60_000, T0 + 60_000],
      resource_kind: ['gpu', 'memory'],
      quantity: [0.25, 16],
      unit: ['gpu', 'GiB'],
      request_quantity: [null, 32],
      sku: ['A100-80GB', null],
      instance_type: ['p4d.24xlarge', 'p4d.24xlarge'],
      node: ['n1', 'n1'],
      pricing_model: ['spot', 'on-demand'],
      region: ['us-east-1', null],
      label_team: ['search', 'search'],
      label_project: [null, null],
      label_model: ['ranker', 'ranker'],
      label_job: ['train-7', 'train-7'],
      label_cost_center: ['cc1', null],
    });

  it('good records pass strictly (label_* family covers extra labels)', () => {
    const t = good();
    expect(checkTable(t, usageRecordContract, { strict: true })).toMatchObject({ ok: true, problems: [] });
    expect(t.schema.fields.map((f) => f.name)).toContain('label_cost_center');
  });

  it('reports values outside the allowed sets with count and first row', () => {
    const t = buildTable(contractSchema(usageRecordContract, { omitOptional: true }), {
      interval_start: [T0, T0, T0],
      interval_end: [T0 + 1, T0 + 1, T0 + 1],
      resource_kind: ['gpu', 'tpu', 'tpu'],
      quantity: [1, 1, 1],
      unit: ['gpu', 'gpu', 'gpu'],
      pricing_model: ['spot', 'spot', 'preemptible'],
    });
    // request_quantity, sku, instance_type, node and region are optional: leaving them out is no problem.
    const problems = checkTable(t, usageRecordContract).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ kind: 'value-not-allowed', column: 'resource_kind', count: 2, firstRow: 1, value: 'tpu' });
    expect(problems[1]).toMatchObject({ kind: 'value-not-allowed', column: 'pricing_model', count: 1, firstRow: 2 });
    expect(problems[0]!.message).toContain('expected one of "gpu", "cpu", "memory", "storage", "network", found "tpu"');
  });

  it('row rules: interval_end > interval_start and non-negative quantities', () => {
    const t = buildTable(contractSchema(usageRecordContract, { omitOptional: true }), {
      interval_start: [T0, T0, T0, T0],
      interval_end: [T0 + 1, T0, T0 - 5, T0 + 1],
      resource_kind: ['gpu', 'gpu', 'gpu', 'gpu'],
      quantity: [1, 1, 1, -0.5],
      unit: ['gpu', 'gpu', 'gpu', 'gpu'],
      pricing_model: ['spot', 'spot', 'spot', 'spot'],
    });
    const problems = checkTable(t, usageRecordContract).problems;
    expect(problems).toMatchObject([
      { kind: 'row-check-failed', rule: 'interval_end > interval_start', count: 2, firstRow: 1 },
      { kind: 'row-check-failed', rule: 'quantity >= 0 and request_quantity >= 0', count: 1, firstRow: 3 },
    ]);
    expect(problems[0]!.message).toContain('2 rows do not (first at row 1)');
    expect(checkTable(t, usageRecordContract, { schemaOnly: true }).ok).toBe(true);
  });

  it('label columns must be strings', () => {
    const t = good();
    const bad = new Table({ ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])), label_priority: vectorFromArray([1, 2], new Int32()) });
    expect(checkTable(bad, usageRecordContract).problems).toMatchObject([{ kind: 'wrong-type', column: 'label_priority' }]);
  });
});

describe('DriftResult', () => {
  it('good and bad results', () => {
    const t = buildTable(driftResultSchema(), {
      column: ['input_age', 'input_country'],
      method: ['ks', 'chi_square'],
      statistic: [0.31, 12.5],
      p_value: [0.001, null],
      threshold: [0.05, 0.05],
      drifted: [true, false],
      reference_size: [1000n, 1000n],
      current_size: [500n, 498n],
      estimate: [false, null],
      status: ['ok', 'insufficient_data'],
    });
    expect(validateTable(t, driftResultContract, { strict: true })).toBe(t);
    const bad = tableFromArrays({ column: ['a'], method: ['ks'], statistic: new Float64Array([1]), drifted: new Float64Array([1]), reference_size: new Int32Array([1]) });
    const problems = checkTable(bad, driftResultContract).problems.map((p) => `${p.kind}:${p.column}`);
    expect(problems).toEqual(['missing-column:p_value', 'missing-column:threshold', 'wrong-type:drifted', 'wrong-type:reference_size', 'missing-column:current_size', 'missing-column:estimate', 'missing-column:status']);
  });
});

describe('contract definitions', () => {
  it('rejects malformed definitions and documents every column', () => {
    expect(() => defineTableContract({ name: 'X', fields: [{ name: 'a', type: 'bool', nullable: true, description: '' }, { name: 'a', type: 'bool', nullable: true, description: '' }] })).toThrowError(/declared twice/);
    expect(() => defineTableContract({ name: 'X', fields: [], families: [{ prefix: 'a_', type: 'bool', nullable: true, description: '' }, { prefix: 'a_b', type: 'bool', nullable: true, description: '' }] })).toThrowError(/overlap/);
    // @ts-expect-error an unknown matcher name is a runtime error too
    expect(() => defineTableContract({ name: 'X', fields: [{ name: 'a', type: 'text', nullable: true, description: '' }] })).toThrowError(/Unknown type matcher "text"/);
    const md = describeContract(usageRecordContract);
    for (const f of usageRecordContract.fields) expect(md).toContain(`| ${f.name}`);
    expect(md).toContain('label_<name>');
  });

  it('custom matchers and duplicate columns', () => {
    const c = defineTableContract({ name: 'Small', fields: [{ name: 'k', type: { description: 'Int32 only', matches: (t) => t.typeId === 2 && t.bitWidth === 32 }, nullable: false, description: 'key' }] });
    expect(checkTable(tableFromArrays({ k: new Int32Array([1]) }), c).ok).toBe(true);
    expect(checkTable(tableFromArrays({ k: new Float64Array([1]) }), c).problems[0]!.message).toContain('expected Int32 only, found Float64');
  });

  it('works on structurally identical tables from another Arrow copy (no instanceof)', () => {
    const t = predictionLog();
    // A plain-object facade: what a second copy of apache-arrow looks like to us.
    const foreign = {
      numRows: t.numRows,
      schema: { fields: t.schema.fields.map((f) => ({ name: f.name, nullable: f.nullable, type: { ...f.type, typeId: f.type.typeId, dictionary: (f.type as { dictionary?: unknown }).dictionary } })) },
      getChild: (name: string) => t.getChild(name),
    };
    expect(checkTable(foreign as never, predictionLogContract({ inputs: ['age', 'country'], outputs: ['score'] }))).toMatchObject({ ok: true });
    expect(() => checkTable({} as never, driftResultContract)).toThrowError(/expected an Arrow Table/);
  });
});
