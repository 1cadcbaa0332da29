import { tableFromArrays } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { createDriftMonitor } from '../src/index.js';
import type { DriftMonitorReport } from '../src/index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** A `columns`-wide table: numeric columns f0.., every 5th column categorical; `shifted` columns moved by `shift`. */
export function wideTable(rows: number, columns: number, seed: number, shifted: ReadonlySet<number> = new Set(), shift = 0): Table {
  const r = rng(seed);
  const data: Record<string, Float64Array | string[]> = {};
  for (let c = 0; c < columns; c++) {
    if (c % 5 === 4) {
      data[`c${c}`] = Array.from({ length: rows }, () => ['red', 'green', 'blue', 'amber <&>'][Math.min(3, Math.floor(r() * (shifted.has(c) ? 3.4 : 4)))]!);
    } else {
      const add = shifted.has(c) ? shift : 0;
      data[`f${c}`] = Float64Array.from({ length: rows }, () => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r()) + add);
    }
  }
  return tableFromArrays(data);
}

/** One closed monitor window over a `columns`-wide table in which columns 0, 1 and 4 changed. */
export function monitorReport(columns: number): DriftMonitorReport {
  const reports: DriftMonitorReport[] = [];
  const m = createDriftMonitor({ reference: wideTable(3000, columns, 1), window: { rows: 2000 }, onReport: (r) => reports.push(r), clock: () => Date.UTC(2026, 11, 6, 4, 0) });
  const cur = wideTable(2000, columns, 2, new Set([0, 1, 4]), 3);
  m.observe(cur);
  return reports[0]!;
}
