// Where everything lives in the bucket. Numbers are zero-padded so that lexicographic listing
// order is numeric order (Delta Lake pads its log to 20 digits for the same reason), which lets
// `list({ startAfter })` find "everything after what I already know" in one request.

const VERSION_DIGITS = 10;
const SEQ_DIGITS = 20;

/** Keys of the registry layout under a root prefix (`''` or ending in `/`). */
export interface RegistryLayout {
  /** The registry's key prefix (`''` or ending in `/`). */
  root: string;
  modelsPrefix: string;
  /** One small marker per model, listed by `listModels` (no delimiter listing needed: some S3 servers get it wrong). */
  catalogPrefix: string;
  catalogKey(name: string): string;
  /** The registry-wide snapshot of every model's index, for searches across models (a cache, rebuildable). */
  catalogSnapshotKey: string;
  nameFromCatalogKey(key: string): string | undefined;
  modelPrefix(name: string): string;
  versionsPrefix(name: string): string;
  versionKey(name: string, version: number): string;
  versionFromKey(name: string, key: string): number | undefined;
  aliasesPrefix(name: string): string;
  aliasKey(name: string, alias: string): string;
  eventsPrefix(name: string): string;
  /** Manifest updates in flight (written before the manifest, deleted after the log entry). */
  pendingPrefix(name: string): string;
  pendingKey(name: string, version: number, revision: number, nonce: string): string;
  eventKey(name: string, seq: number): string;
  seqFromKey(name: string, key: string): number | undefined;
  indexKey(name: string): string;
  blobPointersPrefix: string;
  blobPointerKey(sha256: string): string;
  blobDataPrefix: string;
  blobDataKey(id: string): string;
  /** Where repair() keeps copies of damaged objects (under their original key). */
  quarantinePrefix: string;
}

/** Builds the key layout under `root` (empty, or a prefix ending in `/`). */
export function createLayout(root: string): RegistryLayout {
  const models = `${root}models/`;
  const blobs = `${root}blobs/`;
  const pad = (n: number, digits: number) => String(n).padStart(digits, '0');
  const parseTail = (key: string, prefix: string, digits: number): number | undefined => {
    if (!key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
    const digitsText = key.slice(prefix.length, -'.json'.length);
    if (digitsText.length !== digits || !/^\d+$/.test(digitsText)) return undefined;
    return Number(digitsText);
  };
  const layout: RegistryLayout = {
    root,
    modelsPrefix: models,
    catalogPrefix: `${root}catalog/`,
    catalogKey: (name) => `${root}catalog/${name}.json`,
    catalogSnapshotKey: `${root}catalog-snapshot.json`,
    nameFromCatalogKey: (key) => {
      const prefix = `${root}catalog/`;
      if (!key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
      const name = key.slice(prefix.length, -'.json'.length);
      return /^[A-Za-z0-9_-]+$/.test(name) ? name : undefined;
    },
    modelPrefix: (name) => `${models}${name}/`,
    versionsPrefix: (name) => `${models}${name}/versions/`,
    versionKey: (name, version) => `${models}${name}/versions/${pad(version, VERSION_DIGITS)}.json`,
    versionFromKey: (name, key) => parseTail(key, layout.versionsPrefix(name), VERSION_DIGITS),
    aliasesPrefix: (name) => `${models}${name}/aliases/`,
    aliasKey: (name, alias) => `${models}${name}/aliases/${alias}.json`,
    eventsPrefix: (name) => `${models}${name}/events/`,
    pendingPrefix: (name) => `${models}${name}/pending/`,
    pendingKey: (name, version, revision, nonce) => `${models}${name}/pending/${pad(version, VERSION_DIGITS)}-${pad(revision, VERSION_DIGITS)}-${nonce}.json`,
    eventKey: (name, seq) => `${models}${name}/events/${pad(seq, SEQ_DIGITS)}.json`,
    seqFromKey: (name, key) => parseTail(key, layout.eventsPrefix(name), SEQ_DIGITS),
    indexKey: (name) => `${models}${name}/index.json`,
    blobPointersPrefix: `${blobs}sha256/`,
    blobPointerKey: (sha256) => `${blobs}sha256/${sha256.slice(0, 2)}/${sha256}.json`,
    blobDataPrefix: `${blobs}data/`,
    blobDataKey: (id) => `${blobs}data/${id.slice(0, 2)}/${id}`,
    quarantinePrefix: `${root}quarantine/`,
  };
  return layout;
}
