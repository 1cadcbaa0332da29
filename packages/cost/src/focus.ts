import { loadOptionalPeer } from '@mlops/contracts';
import { columnNames, readNumbers, readStrings } from './arrow-columns.js';
import type { ArrowTableLike } from './arrow-columns.js';
import { csvField } from './csv.js';
import { FOCUS_13_COLUMNS, focusDateTime } from './focus-columns.js';
import { formatMicros } from './money.js';

const JSON_COLUMNS = new Set(FOCUS_13_COLUMNS.filter((c) => c.type === 'JSON').map((c) => c.id));

export { toFocus } from './focus-export.js';
export type { ToFocusOptions } from './focus-export.js';
export { validateFocus } from './focus-validate.js';
export type { ValidateFocusOptions } from './focus-validate.js';
export { fromFocus } from './focus-import.js';
export type { FromFocusOptions, FromFocusSkipped, FromFocusMixedPricing } from './focus-import.js';

/**
 * FOCUS (or any Arrow) table as CSV text: timestamps as FOCUS date/times (`YYYY-MM-DDTHH:mm:ssZ`), costs as exact decimals (from
 * `x_CostMicros` where present), nulls as empty fields.
 */
export function writeFocusCsv(table: ArrowTableLike): string {
  const names = columnNames(table);
  const lines = [names.map(csvField).join(',')];
  const cols = names.map((n) => {
    const v = table.getChild(n)!;
    if (v.type.typeId === 10 || v.type.typeId === 8) return Array.from(readNumbers(v, n, 'time'), (x) => (Number.isNaN(x) ? '' : focusDateTime(x)));
    if (v.type.typeId === 3 || v.type.typeId === 2) return Array.from(readNumbers(v, n, 'number'), (x) => (Number.isNaN(x) ? '' : String(x)));
    return readStrings(v, n).map((x) => x ?? '');
  });
  const micros = table.getChild('x_CostMicros') ? readNumbers(table.getChild('x_CostMicros')!, 'x_CostMicros', 'number') : null;
  const exact = new Set(['BilledCost', 'EffectiveCost', 'ContractedCost']);
  for (let i = 0; i < table.numRows; i++) {
    lines.push(names.map((n, k) => csvField(micros && exact.has(n) ? formatMicros(micros[i]!) : cols[k]![i]!)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * FOCUS (or any Arrow) table as Parquet bytes. Needs the optional peer dependency
 * `hyparquet-writer` (loaded only when called).
 *
 * @throws MissingPeerDependencyError when hyparquet-writer is not installed.
 */
export async function writeFocusParquet(table: ArrowTableLike): Promise<Uint8Array> {
  type Writer = { parquetWriteBuffer: (o: { columnData: { name: string; data: unknown[]; type: string }[] }) => ArrayBuffer };
  const mod = (await loadOptionalPeer('hyparquet-writer', 'writeFocusParquet', () => import('hyparquet-writer'))) as unknown as Writer;
  const columnData = columnNames(table).map((name) => {
    const v = table.getChild(name)!;
    if (v.type.typeId === 10) {
      return { name, data: Array.from(readNumbers(v, name, 'time'), (x) => new Date(x)), type: 'TIMESTAMP' };
    }
    if (v.type.typeId === 3 || v.type.typeId === 2) {
      return { name, data: Array.from(readNumbers(v, name, 'number'), (x) => (Number.isNaN(x) ? null : x)), type: 'DOUBLE' };
    }
    return { name, data: readStrings(v, name), type: JSON_COLUMNS.has(name.replace(/^x_/, '')) ? 'JSON' : 'STRING' };
  });
  return new Uint8Array(mod.parquetWriteBuffer({ columnData }));
}
