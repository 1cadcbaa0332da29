// Open Inference Protocol over gRPC (inference.GRPCInferenceService), served from the same
// deployments, batcher, canary routing, metrics and prediction log as the REST endpoints.
// @grpc/grpc-js and @grpc/proto-loader are optional peers, loaded only when `grpc` is set.
import { ErrorCode, InvalidArgumentError, MlopsError, loadOptionalPeer } from '@mlops/contracts/errors';
import type { Deployment } from './deployment.js';
import { httpStatusOf } from './errors.js';
import { type Datatype, type TensorData, arrayConstructorOf, isDatatype } from './datatypes.js';
import type { Model } from './model.js';
import { binaryBlob, decodeBinary, type ParameterValue } from './oip-codec.js';
import { elementCount, checkBytesElement, type Tensor, type TensorInput } from './tensor.js';

import type * as GrpcJsModule from '@grpc/grpc-js';
import type { ServerUnaryCall, ServiceDefinition, ServiceError, sendUnaryData } from '@grpc/grpc-js';
import type * as ProtoLoaderModule from '@grpc/proto-loader';

type GrpcJs = typeof GrpcJsModule;
type ProtoLoader = typeof ProtoLoaderModule;

/** Where the gRPC endpoint listens. */
export interface GrpcOptions {
  /** Port (0 picks a free one). */
  port: number;
  /** Interface to bind (default: the server's `host`). */
  host?: string;
  /** Largest message accepted, in bytes (default: the server's `maxBodyBytes`). */
  maxReceiveMessageBytes?: number;
}

/** What the gRPC service needs from the model server (shared with REST). */
export interface InferenceHost {
  deployments: Map<string, Deployment>;
  accepting(): boolean;
  ready(): boolean;
  serverMetadata(): { name: string; version: string; extensions: string[] };
  unknownModel(name: string): MlopsError;
  /** Route, run, log and mirror one request; resolves with the answering model and outputs. */
  infer(
    d: Deployment,
    version: string | undefined,
    sticky: string | undefined,
    inputs: Record<string, TensorInput>,
    parameters: Record<string, ParameterValue>,
    outputs: string[] | undefined,
    id: string | undefined,
    started: number,
    traceparent: string | undefined,
  ): Promise<{ model: Model; outputs: Record<string, Tensor>; batchRows: number }>;
  /** Count (and access-log) a finished request; status is the HTTP code its gRPC status maps from. */
  observe(d: Deployment | undefined, version: string, status: number, latencyMs: number, extra: { id?: string; batchRows?: number; traceparent?: string }): void;
  /** Whether a call with this `authorization` metadata may run (the server's `auth` with scope `all`). */
  authorized(header: string | undefined): boolean;
}

/** A running gRPC endpoint. */
export interface GrpcEndpoint {
  port: number;
  host: string;
  close(timeoutMs: number): Promise<void>;
}

interface Param {
  bool_param?: boolean;
  int64_param?: string;
  string_param?: string;
  double_param?: number;
  uint64_param?: string;
  parameter_choice?: string;
}
interface Contents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: string[];
  uint_contents?: number[];
  uint64_contents?: string[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}
interface InferRequestMsg {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, Param>;
  inputs: Array<{ name: string; datatype: string; shape: string[]; parameters: Record<string, Param>; contents?: Contents | null }>;
  outputs: Array<{ name: string; parameters: Record<string, Param> }>;
  raw_input_contents: Buffer[];
}

const PROTO_URL = new URL('../proto/grpc_predict_v2.proto', import.meta.url);

/** gRPC status code for an error (google.rpc.Code), following the HTTP mapping of the REST side. */
export function grpcCodeOf(err: unknown): number {
  switch (httpStatusOf(err)) {
    case 400:
      return 3; // INVALID_ARGUMENT
    case 404:
      return 5; // NOT_FOUND
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 501:
      return 12; // UNIMPLEMENTED
    case 503:
      return 14; // UNAVAILABLE
    case 504:
      return 4; // DEADLINE_EXCEEDED
    default:
      return 13; // INTERNAL
  }
}

function paramValue(p: Param): ParameterValue {
  switch (p.parameter_choice) {
    case 'bool_param':
      return p.bool_param === true;
    case 'string_param':
      return p.string_param ?? '';
    case 'double_param':
      return p.double_param ?? 0;
    case 'int64_param':
    case 'uint64_param': {
      const s = p[p.parameter_choice] ?? '0';
      const n = Number(s);
      if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`Parameter value ${s} is beyond 2^53; parameters are read as numbers.`);
      return n;
    }
    default:
      return '';
  }
}

function readParams(map: Record<string, Param> | undefined): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  if (map) for (const [k, v] of Object.entries(map)) out[k] = paramValue(v);
  return out;
}

function fromContents(name: string, datatype: Datatype, c: Contents | null | undefined, count: number): TensorData {
  const bad = (what: string): InvalidArgumentError => new InvalidArgumentError(`Input "${name}" is ${datatype}: ${what}`);
  const pick = <T>(list: T[] | undefined, field: string): T[] => {
    const l = list ?? [];
    if (l.length !== count) throw bad(`its shape needs ${count} elements but contents.${field} holds ${l.length}.`);
    return l;
  };
  switch (datatype) {
    case 'BOOL':
      return Uint8Array.from(pick(c?.bool_contents, 'bool_contents'), (b) => (b ? 1 : 0));
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'UINT8':
    case 'UINT16':
    case 'UINT32': {
      const signed = datatype.startsWith('INT');
      const list = pick(signed ? c?.int_contents : c?.uint_contents, signed ? 'int_contents' : 'uint_contents');
      const ctor = arrayConstructorOf(datatype) as Int32ArrayConstructor;
      const out = new ctor(count);
      for (let i = 0; i < count; i++) {
        out[i] = list[i]!;
        // int32/uint32 on the wire: narrower types must be range-checked, never wrapped.
        if (out[i] !== list[i]) throw bad(`element ${i} is ${list[i]}, outside the ${datatype} range.`);
      }
      return out;
    }
    case 'INT64':
      return BigInt64Array.from(pick(c?.int64_contents, 'int64_contents'), (s) => BigInt(s));
    case 'UINT64':
      return BigUint64Array.from(pick(c?.uint64_contents, 'uint64_contents'), (s) => BigInt(s));
    case 'FP32':
      return Float32Array.from(pick(c?.fp32_contents, 'fp32_contents'));
    case 'FP64':
      return Float64Array.from(pick(c?.fp64_contents, 'fp64_contents'));
    case 'FP16':
      throw bad('FP16 has no typed contents field; send it in raw_input_contents.');
    case 'BYTES': {
      const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      return pick(c?.bytes_contents, 'bytes_contents').map((b, i) => {
        let s: string;
        try {
          s = dec.decode(b);
        } catch {
          throw bad(`element ${i} is not valid UTF-8, and ONNX Runtime for Node carries strings as UTF-8 only. Encode such bytes (base64, hex).`);
        }
        checkBytesElement(name, i, s);
        return s;
      });
    }
  }
}

function toContents(t: Tensor): Contents {
  const d = t.data;
  switch (t.datatype) {
    case 'BOOL':
      return { bool_contents: Array.from(d as Uint8Array, (v) => v === 1) };
    case 'INT8':
    case 'INT16':
    case 'INT32':
      return { int_contents: Array.from(d as Int32Array) };
    case 'UINT8':
    case 'UINT16':
    case 'UINT32':
      return { uint_contents: Array.from(d as Uint32Array) };
    case 'INT64':
      return { int64_contents: Array.from(d as BigInt64Array, String) };
    case 'UINT64':
      return { uint64_contents: Array.from(d as BigUint64Array, String) };
    case 'FP32':
      return { fp32_contents: Array.from(d as Float32Array) };
    case 'FP64':
      return { fp64_contents: Array.from(d as Float64Array) };
    case 'BYTES':
      return { bytes_contents: (d as string[]).map((s) => Buffer.from(s, 'utf8')) };
    default:
      return {};
  }
}

function parseInputs(req: InferRequestMsg, model: Model): Record<string, TensorInput> {
  const raw = req.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== req.inputs.length) {
    throw new InvalidArgumentError(`raw_input_contents has ${raw.length} entries but the request lists ${req.inputs.length} inputs; send one per input, in order.`);
  }
  const out: Record<string, TensorInput> = {};
  req.inputs.forEach((inp, i) => {
    const spec = model.metadata.inputs.find((s) => s.name === inp.name);
    if (!spec) throw new InvalidArgumentError(`The model has no input named "${inp.name}"; its inputs are: ${model.metadata.inputs.map((s) => s.name).join(', ')}.`);
    if (!isDatatype(inp.datatype) || inp.datatype !== spec.datatype) throw new InvalidArgumentError(`Input "${inp.name}" has datatype ${JSON.stringify(inp.datatype)}; the model expects ${spec.datatype}.`);
    const shape = (inp.shape ?? []).map(Number);
    if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new InvalidArgumentError(`Input "${inp.name}" shape must be non-negative integers; found [${inp.shape.join(', ')}].`);
    const count = elementCount(shape);
    if (raw.length > 0) {
      if (inp.contents && Object.values(inp.contents).some((v) => Array.isArray(v) && v.length > 0)) {
        throw new InvalidArgumentError(`Input "${inp.name}" has both contents and raw_input_contents; send one.`);
      }
      out[inp.name] = { data: decodeBinary(inp.name, inp.datatype, raw[i]!, count), shape, datatype: inp.datatype };
    } else {
      out[inp.name] = { data: fromContents(inp.name, inp.datatype, inp.contents, count), shape, datatype: inp.datatype };
    }
  });
  return out;
}

/** Start the gRPC endpoint. Rejects with `MISSING_PEER_DEPENDENCY` when @grpc/grpc-js or @grpc/proto-loader is absent. */
export async function startGrpc(host: InferenceHost, options: GrpcOptions, defaultHost: string, maxBytes: number): Promise<GrpcEndpoint> {
  const grpc = await loadOptionalPeer<GrpcJs>('@grpc/grpc-js', '@mlops/serve gRPC endpoint (grpc option)', () => import('@grpc/grpc-js'));
  const loader = await loadOptionalPeer<ProtoLoader>('@grpc/proto-loader', '@mlops/serve gRPC endpoint (grpc option)', () => import('@grpc/proto-loader'));
  const { fileURLToPath } = await import('node:url');
  const def = await loader.load(fileURLToPath(PROTO_URL), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: { service: ServiceDefinition } } };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? maxBytes, 'grpc.max_send_message_length': -1 });

  type Call<T> = ServerUnaryCall<T, unknown>;
  type Cb = sendUnaryData<unknown>;
  const fail = (cb: Cb, err: unknown): void => {
    const status = grpcCodeOf(err);
    cb({ code: status, details: err instanceof Error ? err.message : String(err) } as ServiceError, null);
  };
  const guard = <T>(handler: (c: Call<T>, cb: Cb) => void) => (c: Call<T>, cb: Cb): void => {
    const h = c.metadata.get('authorization')[0];
    if (!host.authorized(typeof h === 'string' ? h : undefined)) {
      cb({ code: 16, details: 'This server needs "authorization: Bearer <token>" metadata.' } as ServiceError, null); // UNAUTHENTICATED
      return;
    }
    handler(c, cb);
  };
  const deployment = (name: string): Deployment => {
    const d = host.deployments.get(name);
    if (!d) throw host.unknownModel(name);
    return d;
  };

  server.addService(pkg.inference.GRPCInferenceService.service, {
    ServerLive: (_c: Call<unknown>, cb: Cb) => cb(null, { live: true }),
    ServerReady: (_c: Call<unknown>, cb: Cb) => cb(null, { ready: host.ready() }),
    ServerMetadata: guard((_c: Call<unknown>, cb: Cb) => cb(null, host.serverMetadata())),
    ModelReady: guard((c: Call<{ name: string; version: string }>, cb: Cb) => {
      try {
        const d = deployment(c.request.name);
        const v = c.request.version || d.defaultVersion;
        cb(null, { ready: host.accepting() && v !== undefined && d.versions.has(v) });
      } catch (err) {
        fail(cb, err);
      }
    }),
    ModelMetadata: guard((c: Call<{ name: string; version: string }>, cb: Cb) => {
      try {
        const d = deployment(c.request.name);
        const m = d.route(c.request.version || undefined, undefined);
        cb(null, { ...m.metadata, name: d.name, versions: [...d.versions.keys()] });
      } catch (err) {
        fail(cb, err);
      }
    }),
    ModelInfer: guard((c: Call<InferRequestMsg>, cb: Cb) => {
      const started = performance.now();
      const req = c.request;
      const tp = c.metadata.get('traceparent')[0];
      const traceparent = typeof tp === 'string' && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(tp) ? tp : undefined;
      let d: Deployment | undefined;
      let version = '';
      void (async () => {
        try {
          if (!host.accepting()) throw new MlopsError(ErrorCode.ServiceUnavailable, 'The server is shutting down and is not accepting requests.', { retryable: true });
          d = deployment(req.model_name);
          const dep = d;
          const stickyValues = dep.stickyHeader ? c.metadata.get(dep.stickyHeader) : [];
          const sticky = typeof stickyValues[0] === 'string' ? stickyValues[0] : undefined;
          // Route first so inputs are checked against the version that will answer.
          const target = dep.route(req.model_version || undefined, sticky);
          version = target.version;
          const inputs = parseInputs(req, target);
          const wanted = req.outputs.length > 0 ? req.outputs.map((o) => o.name) : undefined;
          const { model, outputs, batchRows } = await host.infer(dep, target.version, undefined, inputs, readParams(req.parameters), wanted, req.id || undefined, started, traceparent);
          const raw = req.raw_input_contents.length > 0;
          const names = wanted ?? Object.keys(outputs);
          const list = names.map((name) => ({ name, tensor: outputs[name]! }));
          cb(null, {
            model_name: dep.name,
            model_version: model.version,
            id: req.id,
            outputs: list.map((o) => ({ name: o.name, datatype: o.tensor.datatype, shape: o.tensor.shape, ...(raw ? {} : { contents: toContents(o.tensor) }) })),
            raw_output_contents: raw ? list.map((o) => Buffer.from(binaryBlob(o.tensor))) : [],
          });
          host.observe(dep, model.version, 200, performance.now() - started, { id: req.id || undefined, batchRows, traceparent });
        } catch (err) {
          fail(cb, err);
          host.observe(d, version, httpStatusOf(err), performance.now() - started, { id: req.id || undefined, traceparent });
        }
      })();
    }),
  });

  const bindHost = options.host ?? defaultHost;
  const port = await new Promise<number>((resolve, reject) => {
    const addr = bindHost.includes(':') ? `[${bindHost}]:${options.port}` : `${bindHost}:${options.port}`;
    server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port,
    host: bindHost,
    close: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
