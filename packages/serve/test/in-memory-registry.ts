import type { ModelRegistrySource, ModelRegistryEvent, RegistryModelVersion } from '../src/index.js';

/**
 * A tiny registry with the surface serve uses (getModelVersion, openArtifact, onEvent), for
 * tests only. The real @mlops/registry is a library on an object store, not a service; this
 * stands in for it so serve's tests do not depend on a package being written concurrently.
 */
export class InMemoryRegistry implements ModelRegistrySource {
  private readonly versions = new Map<string, Map<number, Uint8Array>>();
  private readonly aliases = new Map<string, number>();
  private readonly listeners = new Set<(e: ModelRegistryEvent) => void>();
  reads = 0;

  register(name: string, bytes: Uint8Array): number {
    const m = this.versions.get(name) ?? new Map<number, Uint8Array>();
    this.versions.set(name, m);
    const v = m.size + 1;
    m.set(v, bytes);
    return v;
  }

  setAlias(name: string, alias: string, version: number): void {
    this.aliases.set(`${name}@${alias}`, version);
    for (const l of this.listeners) l({ type: 'alias_set', name });
  }

  async getModelVersion(ref: string): Promise<RegistryModelVersion> {
    const at = /^([^@/]+)@(.+)$/.exec(ref);
    const slash = /^([^@/]+)\/(\d+)$/.exec(ref);
    const name = (at ?? slash)?.[1];
    const version = at ? this.aliases.get(ref) : slash ? Number(slash[2]) : undefined;
    if (name === undefined || version === undefined || !this.versions.get(name)?.has(version)) throw new Error(`no such ref ${ref}`);
    return { name, version, artifacts: [{ path: 'model.onnx' }] };
  }

  async openArtifact(ref: string, path: string): Promise<AsyncIterable<Uint8Array>> {
    const v = await this.getModelVersion(ref);
    if (path !== 'model.onnx') throw new Error(`no artifact ${path}`);
    const bytes = this.versions.get(v.name)!.get(Number(v.version))!;
    this.reads++;
    return (async function* () {
      // Two chunks, like a stream would deliver them.
      yield bytes.subarray(0, 10);
      yield bytes.subarray(10);
    })();
  }

  onEvent(listener: (e: ModelRegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
