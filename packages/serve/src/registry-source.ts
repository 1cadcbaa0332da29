import { InvalidArgumentError, MlopsError, ErrorCode } from '@mlops/contracts/errors';

/** What {@link ModelRegistrySource.getModelVersion} must return (an `@mlops/registry` `ModelVersion` fits). */
export interface RegistryModelVersion {
  /** Registered model name. */
  name: string;
  /** Version number or label. */
  version: number | string;
  /**
   * The version's artifacts: an array of `{ path }` entries or an object keyed by path. Used
   * to find the `.onnx` file when `artifactPath` is not given.
   */
  artifacts?: ReadonlyArray<{ path: string }> | Readonly<Record<string, unknown>>;
}

/** An event from the registry; only `name` (or `model`) is read, to know which model changed. */
export interface ModelRegistryEvent {
  /** Model the event is about. */
  name?: string;
  /** Alternative field for the model name. */
  model?: string;
  /** Event type, e.g. `alias_set`; not interpreted. */
  type?: string;
}

/**
 * The registry surface `@mlops/serve` uses, structurally: an `@mlops/registry` registry fits
 * as is, and anything else can be adapted in a few lines. Serve never imports the registry.
 */
export interface ModelRegistrySource {
  /** Resolve `name@alias`, `name@latest` or `name/3` to a version. */
  getModelVersion(ref: string): Promise<RegistryModelVersion>;
  /** The bytes of one artifact of a version, as bytes, a Node stream, a web stream or async iterable. */
  openArtifact(
    ref: string,
    path: string,
  ): Promise<Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>> | Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
  /** In-process change notifications; the return value, if a function, unsubscribes. Optional. */
  onEvent?(listener: (event: ModelRegistryEvent) => void): unknown;
}

/** A model held in a registry, served at the version an alias or number points to. */
export interface RegistryModelRef {
  /** Anything with the small {@link ModelRegistrySource} surface (an `@mlops/registry` registry fits). */
  registry: ModelRegistrySource;
  /** `name@alias`, `name@latest` or `name/3`. */
  ref: string;
  /** Artifact path of the ONNX file inside the version (default: the version's only `.onnx` artifact, else `model.onnx`). */
  artifactPath?: string;
}

/** Split a ref into model name and selector: `fraud@champion` -> fraud. */
export function modelNameOfRef(ref: string): string {
  const m = /^([^@/]+)[@/]/.exec(ref);
  if (!m) throw new InvalidArgumentError(`A registry ref looks like "name@alias", "name@latest" or "name/3"; found "${ref}".`);
  return m[1]!;
}

function pickArtifact(v: RegistryModelVersion, explicit: string | undefined): string {
  if (explicit) return explicit;
  const paths: string[] = Array.isArray(v.artifacts)
    ? (v.artifacts as ReadonlyArray<{ path: string }>).map((a) => a.path)
    : v.artifacts
      ? Object.keys(v.artifacts)
      : [];
  const onnx = paths.filter((p) => p.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 1) return onnx[0]!;
  if (onnx.length > 1 && !onnx.includes('model.onnx')) {
    throw new InvalidArgumentError(
      `Model "${v.name}" version ${v.version} has several .onnx artifacts (${onnx.join(', ')}); pass artifactPath to pick one.`,
    );
  }
  return 'model.onnx';
}

async function collect(body: Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const iterable: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in body ? (body as AsyncIterable<Uint8Array>) : readableToIterable(body as ReadableStream<Uint8Array>);
  for await (const c of iterable) {
    chunks.push(c);
    total += c.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

async function* readableToIterable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Resolve a registry source to the version it points at now and read its ONNX bytes. */
export async function readRegistryModel(source: RegistryModelRef): Promise<{ bytes: Uint8Array; name: string; version: string }> {
  const { registry, ref } = source;
  if (typeof registry?.getModelVersion !== 'function' || typeof registry.openArtifact !== 'function') {
    throw new InvalidArgumentError('A registry source needs a registry with getModelVersion(ref) and openArtifact(ref, path).');
  }
  const v = await registry.getModelVersion(ref);
  const version = String(v.version);
  // Read by exact version, not by the alias, so a move between the two calls cannot mix versions.
  const exactRef = `${v.name}/${version}`;
  const path = pickArtifact(v, source.artifactPath);
  let bytes: Uint8Array;
  try {
    bytes = await collect(await registry.openArtifact(exactRef, path));
  } catch (cause) {
    if (MlopsError.isInstance(cause)) throw cause;
    throw new MlopsError(ErrorCode.ServiceUnavailable, `Reading artifact "${path}" of ${exactRef} from the registry failed: ${(cause as Error).message}`, { cause, retryable: true });
  }
  return { bytes, name: v.name, version };
}
