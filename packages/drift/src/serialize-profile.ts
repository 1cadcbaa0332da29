import { DataCorruptedError, InvalidArgumentError, UnsupportedError } from '@mlops/contracts';
import type { CategoricalColumnProfile, ColumnProfile, NumericColumnProfile, Profile } from './profile.js';
import { isProfile } from './profile.js';
import { HLL_PRECISION } from './hyperloglog.js';

// Layout: "MLDP" | u8 version | 3 reserved | u32 header bytes | header JSON (UTF-8) | pad to 8 |
// binary section (float64 sketch levels, uint8 HLL registers) | u32 CRC-32 of all preceding bytes.
const MAGIC = [0x4d, 0x4c, 0x44, 0x50];
/** Version of the byte format written by {@link serializeProfile}. */
export const PROFILE_FORMAT_VERSION = 1;
const HLL_BYTES = 1 << HLL_PRECISION;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Blob {
  offset: number;
  length: number;
}

// Headers carry a profile's plain fields as they are; only the sketches become references to binary blobs.
type NumericHeader = Omit<NumericColumnProfile, 'sketch' | 'histogram' | 'distinct'> & {
  name: string;
  sketch: { k: number; n: number; seed: number; levels: Blob[] };
  histogram?: { edges: number[]; counts: number[] };
  distinct: Blob;
};

type CategoricalHeader = Omit<CategoricalColumnProfile, 'counts' | 'distinct'> & {
  name: string;
  counts: [string, number][];
  distinct: Blob;
};

interface Header {
  rowCount: number;
  columns: (NumericHeader | CategoricalHeader)[];
}

/**
 * Encodes a profile as compact, versioned bytes (a JSON header plus binary sketches, with a
 * CRC-32). A numeric column costs ~30 KB whatever the row count (at the default sketch size).
 */
export function serializeProfile(profile: Profile): Uint8Array {
  if (!isProfile(profile)) throw new InvalidArgumentError('Expected a Profile from profile(), mergeProfiles() or deserializeProfile().');
  const chunks: Uint8Array[] = [];
  let binLength = 0;
  const addBlob = (bytes: Uint8Array): Blob => {
    const blob = { offset: binLength, length: bytes.length };
    chunks.push(bytes);
    binLength += bytes.length;
    const pad = (8 - (binLength % 8)) % 8;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      binLength += pad;
    }
    return blob;
  };
  const columns: Header['columns'] = [];
  for (const [name, col] of profile.columns) {
    if (col.kind === 'numeric') {
      const levels = col.sketch.levels.map((l) => addBlob(new Uint8Array(l.buffer.slice(l.byteOffset, l.byteOffset + l.byteLength))));
      columns.push({
        name, kind: 'numeric', sourceType: col.sourceType, count: col.count, nulls: col.nulls, nans: col.nans, infinities: col.infinities,
        min: col.min, max: col.max, mean: col.mean, m2: col.m2,
        sketch: { k: col.sketch.k, n: col.sketch.n, seed: col.sketch.seed, levels },
        ...(col.histogram ? { histogram: { edges: [...col.histogram.edges], counts: [...col.histogram.counts] } } : {}),
        distinct: addBlob(col.distinct.registers),
      });
    } else {
      columns.push({
        name, kind: 'categorical', sourceType: col.sourceType, count: col.count, nulls: col.nulls, counts: [...col.counts],
        exact: col.exact, maxUndercount: col.maxUndercount, cap: col.cap, distinct: addBlob(col.distinct.registers),
      });
    }
  }
  const header = new TextEncoder().encode(JSON.stringify({ rowCount: profile.rowCount, columns } satisfies Header));
  const headerEnd = 12 + header.length;
  const binStart = headerEnd + ((8 - (headerEnd % 8)) % 8);
  const total = binStart + binLength + 4;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[4] = PROFILE_FORMAT_VERSION;
  const view = new DataView(out.buffer);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  let at = binStart;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)), true);
  return out;
}

function corrupt(what: string): never {
  throw new DataCorruptedError(`The bytes are not a valid @mlops/drift profile: ${what}. Re-create the profile with serializeProfile(); do not edit or truncate the bytes.`);
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Decodes bytes written by {@link serializeProfile}. Throws `DATA_CORRUPTED` for foreign,
 * truncated or altered bytes (magic, length and CRC-32 checks) and `UNSUPPORTED` for a newer
 * format version.
 */
export function deserializeProfile(bytes: Uint8Array): Profile {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`Expected a Uint8Array (or Buffer) of profile bytes, found ${typeof bytes}.`);
  if (bytes.length < 16) corrupt(`only ${bytes.length} bytes, fewer than the 16-byte minimum`);
  if (MAGIC.some((m, i) => bytes[i] !== m)) corrupt('missing the "MLDP" magic number (foreign or unrelated bytes)');
  const version = bytes[4]!;
  if (version !== PROFILE_FORMAT_VERSION) {
    throw new UnsupportedError(`This profile uses format version ${version}; this @mlops/drift reads version ${PROFILE_FORMAT_VERSION}. Upgrade @mlops/drift to read it.`, { details: { version } });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) corrupt('CRC-32 mismatch (the bytes were altered or truncated)');
  const headerLength = view.getUint32(8, true);
  const headerEnd = 12 + headerLength;
  if (headerEnd > bytes.length - 4) corrupt('header length past the end');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, headerEnd))) as Header;
  } catch (cause) {
    throw new DataCorruptedError('The profile header is not valid UTF-8 JSON. Re-create the profile with serializeProfile().', { cause });
  }
  const binStart = headerEnd + ((8 - (headerEnd % 8)) % 8);
  const binEnd = bytes.length - 4;
  const blob = (b: Blob | undefined, what: string): Uint8Array => {
    if (!b || !isNum(b.offset) || !isNum(b.length) || b.offset < 0 || b.length < 0 || binStart + b.offset + b.length > binEnd) corrupt(`${what} points outside the data`);
    return bytes.slice(binStart + b.offset, binStart + b.offset + b.length);
  };
  if (!header || !isNum(header.rowCount) || !Array.isArray(header.columns)) corrupt('header lacks rowCount/columns');
  const columns = new Map<string, ColumnProfile>();
  for (const c of header.columns) {
    if (!c || typeof c.name !== 'string' || !isNum(c.count) || !isNum(c.nulls)) corrupt('a column entry lacks its name or counts');
    const registers = blob(c.distinct, `column "${c.name}" distinct sketch`);
    if (registers.length !== HLL_BYTES) corrupt(`column "${c.name}" distinct sketch has ${registers.length} registers, expected ${HLL_BYTES}`);
    if (c.kind === 'numeric') {
      if (!c.sketch || !Array.isArray(c.sketch.levels) || !isNum(c.sketch.k) || !isNum(c.sketch.n)) corrupt(`column "${c.name}" lacks its quantile sketch`);
      const levels = c.sketch.levels.map((l, h) => {
        const raw = blob(l, `column "${c.name}" sketch level ${h}`);
        if (raw.length % 8) corrupt(`column "${c.name}" sketch level ${h} is not whole float64 values`);
        return new Float64Array(raw.buffer, raw.byteOffset, raw.length / 8);
      });
      const col: NumericColumnProfile = {
        kind: 'numeric', sourceType: String(c.sourceType), count: c.count, nulls: c.nulls, nans: c.nans, infinities: c.infinities,
        min: c.min, max: c.max, mean: c.mean, m2: c.m2,
        sketch: { k: c.sketch.k, n: c.sketch.n, seed: c.sketch.seed >>> 0, levels }, distinct: { registers },
        ...(c.histogram ? { histogram: { edges: c.histogram.edges, counts: c.histogram.counts } } : {}),
      };
      columns.set(c.name, col);
    } else if (c.kind === 'categorical') {
      if (!Array.isArray(c.counts)) corrupt(`column "${c.name}" lacks its category counts`);
      const col: CategoricalColumnProfile = {
        kind: 'categorical', sourceType: String(c.sourceType), count: c.count, nulls: c.nulls, counts: new Map(c.counts),
        exact: c.exact === true, maxUndercount: c.maxUndercount, cap: c.cap, distinct: { registers },
      };
      columns.set(c.name, col);
    } else corrupt(`column "${(c as { name: string }).name}" has unknown kind`);
  }
  return { format: 'mlops-drift-profile', rowCount: header.rowCount, columns };
}
