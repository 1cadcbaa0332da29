import { seededRandom } from '@mlops/contracts';
import { Table } from 'apache-arrow';
import { dictionaryVector, float64Vector, timestampVector } from '../src/arrow-columns.js';

/** Plain typed-array form of the synthetic usage, shared by the Arrow table and the DuckDB load. */
export interface SyntheticUsage {
  n: number;
  start: Float64Array;
  end: Float64Array;
  kind: Int32Array;
  quantity: Float64Array;
  request: Float64Array;
  node: Int32Array;
  spot: Uint8Array;
  team: Int32Array;
  model: Int32Array;
  nodes: number;
  teams: number;
  models: number;
  hours: number;
  t0: number;
}

const H = 3_600_000;

/**
 * `records` usage rows over `nodes` p4d.24xlarge nodes (8 GPUs, 96 vCPUs, 1152 GiB) for `hours`
 * hours: per node, 8 GPU lanes (1 GPU each), 8 CPU lanes (12 vCPU requested, less used) and 8
 * memory lanes (144 GiB), each lane a run of back-to-back pods with gaps, so nodes are never
 * overcommitted and no workload overlaps itself (lanes of one node and kind draw disjoint models). Rows come out roughly in time order (bucketed by start hour), as an event export.
 */
export function syntheticUsage(records: number, nodes: number, hours = 720, seed = 42): SyntheticUsage {
  const rand = seededRandom(seed);
  const t0 = Date.UTC(2026, 9, 1);
  const lanes = nodes * 24;
  const perLane = Math.ceil(records / lanes);
  const span = hours * H;
  const meanSlot = span / perLane;
  const tmp = {
    start: new Float64Array(records),
    end: new Float64Array(records),
    kind: new Int32Array(records),
    quantity: new Float64Array(records),
    request: new Float64Array(records),
    node: new Int32Array(records),
    spot: new Uint8Array(records),
    team: new Int32Array(records),
    model: new Int32Array(records),
  };
  const teams = 20;
  const models = 100;
  let n = 0;
  for (let lane = 0; lane < lanes && n < records; lane++) {
    const node = Math.floor(lane / 24);
    const kind = Math.floor((lane % 24) / 8);
    const laneInKind = lane % 8;
    let t = t0 + rand() * meanSlot;
    for (let k = 0; k < perLane && n < records; k++) {
      const len = Math.max(30_000, Math.round(meanSlot * (0.2 + rand() * 0.7)));
      const end = Math.min(t + len, t0 + span);
      if (end <= t) break;
      tmp.start[n] = Math.round(t);
      tmp.end[n] = Math.round(end);
      tmp.kind[n] = kind;
      tmp.node[n] = node;
      tmp.spot[n] = node % 10 < 3 ? 1 : 0;
      tmp.team[n] = Math.floor(rand() * teams);
      // Lane j of a node's 8 lanes of one kind draws models = j (mod 8), so two rows of one
      // workload (node, kind, team, model) never overlap in time: the default OVERLAPPING_USAGE
      // check runs and passes, and summing each row (as the SQL does) is the right charge.
      tmp.model[n] = laneInKind + 8 * Math.floor(rand() * Math.ceil((models - laneInKind) / 8));
      if (kind === 0) {
        tmp.quantity[n] = 1;
        tmp.request[n] = NaN;
      } else if (kind === 1) {
        tmp.quantity[n] = 2 + rand() * 10;
        tmp.request[n] = 12;
      } else {
        tmp.quantity[n] = 16 + rand() * 128;
        tmp.request[n] = 144;
      }
      n++;
      t = Math.round(end) + rand() * meanSlot * 0.3;
    }
  }
  // Counting sort by start hour: rows arrive in rough time order, interleaving nodes.
  const counts = new Int32Array(hours + 1);
  for (let i = 0; i < n; i++) counts[Math.floor((tmp.start[i]! - t0) / H) + 1]!++;
  for (let h = 0; h < hours; h++) counts[h + 1]! += counts[h]!;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[counts[Math.floor((tmp.start[i]! - t0) / H)]!++] = i;
  const pick = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (len: number) => T)(n);
    for (let i = 0; i < n; i++) out[i] = a[order[i]!]!;
    return out;
  };
  return {
    n,
    start: pick(tmp.start),
    end: pick(tmp.end),
    kind: pick(tmp.kind),
    quantity: pick(tmp.quantity),
    request: pick(tmp.request),
    node: pick(tmp.node),
    spot: pick(tmp.spot),
    team: pick(tmp.team),
    model: pick(tmp.model),
    nodes,
    teams,
    models,
    hours,
    t0,
  };
}

/** The synthetic usage as a UsageRecord Arrow table (dictionary-encoded strings, ms timestamps). */
export function syntheticUsageTable(u: SyntheticUsage): Table {
  const n = u.n;
  const constant = (v: number) => new Int32Array(n).fill(v);
  const units = new Int32Array(n);
  for (let i = 0; i < n; i++) units[i] = u.kind[i]! === 2 ? 2 : u.kind[i]!;
  return new Table({
    interval_start: timestampVector(u.start),
    interval_end: timestampVector(u.end),
    resource_kind: dictionaryVector(u.kind, ['gpu', 'cpu', 'memory']),
    quantity: float64Vector(u.quantity),
    unit: dictionaryVector(units, ['gpu', 'vcpu', 'GiB']),
    request_quantity: float64Vector(u.request, true),
    instance_type: dictionaryVector(constant(0), ['p4d.24xlarge']),
    node: dictionaryVector(u.node, Array.from({ length: u.nodes }, (_, k) => `node-${String(k).padStart(4, '0')}`)),
    pricing_model: dictionaryVector(Int32Array.from(u.spot), ['on-demand', 'spot']),
    region: dictionaryVector(constant(0), ['us-east-1']),
    label_team: dictionaryVector(u.team, Array.from({ length: u.teams }, (_, k) => `team-${k}`)),
    label_model: dictionaryVector(u.model, Array.from({ length: u.models }, (_, k) => `model-${k}`)),
  });
}
