// apache-arrow decodes IPC flatbuffers without a verifier: a damaged offset can make it read a
// vector length of billions and allocate (and decode) that many entries until the process runs
// out of memory. These checks walk the same tables first and refuse any vector or string that
// does not fit inside the bytes, so a damaged header becomes an error message, not an OOM.
// Layouts: format/Message.fbs, Schema.fbs and File.fbs of the Arrow IPC specification.

// Tables reached through offsets may repeat (or loop); this caps the walk on hostile input.
const MAX_VISITS = 100_000;
const MAX_DEPTH = 64;

interface Reader {
  readonly view: DataView;
  visits: number;
}

// A plain Error: the callers wrap whatever decoding throws in their own DATA_CORRUPTED error.
function fail(detail: string): never {
  throw new Error(detail);
}

function u32(r: Reader, at: number): number {
  if (at < 0 || at + 4 > r.view.byteLength) fail(`an offset at byte ${at} lies outside the ${r.view.byteLength}-byte header`);
  return r.view.getUint32(at, true);
}

/** Absolute position of field `index` of the table at `table`, or 0 when the field is absent. */
function fieldAt(r: Reader, table: number, index: number): number {
  if (++r.visits > MAX_VISITS) fail('the header refers to more tables than it could hold');
  if (table < 0 || table + 4 > r.view.byteLength) fail(`a table at byte ${table} lies outside the ${r.view.byteLength}-byte header`);
  const vtable = table - r.view.getInt32(table, true);
  if (vtable < 0 || vtable + 4 > r.view.byteLength) fail(`a table at byte ${table} has its vtable outside the header`);
  const vtableSize = r.view.getUint16(vtable, true);
  const slot = 4 + 2 * index;
  if (slot + 2 > vtableSize) return 0;
  if (vtable + slot + 2 > r.view.byteLength) fail(`the vtable at byte ${vtable} runs past the header`);
  const offset = r.view.getUint16(vtable + slot, true);
  if (offset === 0) return 0;
  if (table + offset >= r.view.byteLength) fail(`a field of the table at byte ${table} lies past the header`);
  return table + offset;
}

/** The table a field points to (0 if absent). */
function tableField(r: Reader, table: number, index: number): number {
  const at = fieldAt(r, table, index);
  if (at === 0) return 0;
  const target = at + u32(r, at);
  if (target + 4 > r.view.byteLength) fail(`a table offset at byte ${at} points past the header`);
  return target;
}

/** Start of a vector's elements and its length, after checking `length * elementBytes` fits. */
function vectorField(r: Reader, table: number, index: number, elementBytes: number): { start: number; length: number } {
  const at = fieldAt(r, table, index);
  if (at === 0) return { start: 0, length: 0 };
  const vector = at + u32(r, at);
  const length = u32(r, vector);
  if (vector + 4 + length * elementBytes > r.view.byteLength) {
    fail(`a vector at byte ${vector} declares ${length} entries of ${elementBytes} bytes, more than the ${r.view.byteLength}-byte header holds`);
  }
  return { start: vector + 4, length };
}

function tablesOf(r: Reader, table: number, index: number, each: (table: number) => void): void {
  const { start, length } = vectorField(r, table, index, 4);
  for (let i = 0; i < length; i++) {
    const at = start + 4 * i;
    each(at + u32(r, at));
  }
}

function keyValues(r: Reader, table: number, index: number): void {
  tablesOf(r, table, index, (kv) => {
    vectorField(r, kv, 0, 1);
    vectorField(r, kv, 1, 1);
  });
}

const UNION_TYPE = 14;
const TIMESTAMP_TYPE = 10;

function field(r: Reader, table: number, depth: number): void {
  if (depth > MAX_DEPTH) fail(`fields nest deeper than ${MAX_DEPTH} levels`);
  vectorField(r, table, 0, 1); // name
  const typeAt = fieldAt(r, table, 2);
  const typeType = typeAt === 0 ? 0 : r.view.getUint8(typeAt);
  const type = tableField(r, table, 3);
  if (type !== 0 && typeType === UNION_TYPE) vectorField(r, type, 1, 4); // typeIds
  if (type !== 0 && typeType === TIMESTAMP_TYPE) vectorField(r, type, 1, 1); // timezone
  tablesOf(r, table, 5, (child) => field(r, child, depth + 1));
  keyValues(r, table, 6);
}

function schema(r: Reader, table: number): void {
  tablesOf(r, table, 1, (f) => field(r, f, 0));
  keyValues(r, table, 2);
  vectorField(r, table, 3, 8); // features
}

function recordBatch(r: Reader, table: number): void {
  vectorField(r, table, 1, 16); // field nodes
  vectorField(r, table, 2, 16); // buffers
  vectorField(r, table, 4, 8); // variadic buffer counts
}

function reader(bytes: Uint8Array): { r: Reader; root: number } {
  const r: Reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), visits: 0 };
  const root = u32(r, 0);
  if (root + 4 > bytes.byteLength) fail('the root table offset points past the header');
  return { r, root };
}

/**
 * Checks that every vector and string an IPC message header declares fits in its bytes.
 * @throws Error (wrapped by the caller) when one does not.
 */
export function checkMessageBounds(bytes: Uint8Array): void {
  const { r, root } = reader(bytes);
  keyValues(r, root, 4);
  const typeAt = fieldAt(r, root, 1);
  const headerType = typeAt === 0 ? 0 : r.view.getUint8(typeAt);
  const header = tableField(r, root, 2);
  if (header === 0) return;
  if (headerType === 1) schema(r, header);
  else if (headerType === 2) {
    const data = tableField(r, header, 1);
    if (data !== 0) recordBatch(r, data);
  } else if (headerType === 3) recordBatch(r, header);
}

/**
 * Checks that every vector and string an IPC file footer declares fits in its bytes.
 * @throws Error (wrapped by the caller) when one does not.
 */
export function checkFooterBounds(bytes: Uint8Array): void {
  const { r, root } = reader(bytes);
  const s = tableField(r, root, 1);
  if (s !== 0) schema(r, s);
  vectorField(r, root, 2, 24); // dictionary blocks
  vectorField(r, root, 3, 24); // record batch blocks
  keyValues(r, root, 4);
}
