import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MlopsError } from '@mlops/contracts/errors';
import type { ModelServerOptions } from '@mlops/serve';
import { leaf } from '../../cli/command.js';
import type { MlopsCommand } from '../../cli/command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { usageError } from '../../cli/usage-error.js';
import { integerArg } from '../../cli/values.js';
import { storeLocation, STORE_ARG } from '../registry/open-registry.js';

const REGISTRY_REF = /^[A-Za-z0-9_-]+(@[A-Za-z0-9_-]+|\/\d+)$/;
const STORE_URL = /^(s3|gs|file):\/\//i;
const LAYOUT = '<model>/<version>/model.onnx (Triton layout, optional <model>/config.json), or model.onnx at the top (a KServe storage mount)';

/** Whether `target` is an existing directory, a file, or neither. */
async function kindOf(target: string): Promise<'dir' | 'file' | undefined> {
  const info = await stat(target).catch(() => undefined);
  return info?.isDirectory() ? 'dir' : info?.isFile() ? 'file' : undefined;
}

/** `mlops serve`: the standalone Open Inference Protocol server. */
export const serveCommand: MlopsCommand = leaf({
  meta: { name: 'serve', description: 'Serve ONNX models over the Open Inference Protocol: a model.onnx, a Triton-style model repository (folder or s3://, gs://, file:// URL), or name@alias from the registry' },
  args: {
    target: { type: 'positional', description: `model.onnx | model repository (${LAYOUT}; a folder or an s3://, gs://, file:// URL) | name@alias (name/3, name@latest) with --store`, required: true },
    port: { type: 'string', description: 'HTTP port (0: any free port)', default: '8080', valueHint: 'port' },
    host: { type: 'string', description: 'Interface to bind (0.0.0.0 in a container)', default: '127.0.0.1', valueHint: 'addr' },
    'grpc-port': { type: 'string', description: 'Also serve OIP over gRPC on this port (KServe grpc_predict_v2; needs @grpc/grpc-js and @grpc/proto-loader)', valueHint: 'port' },
    name: { type: 'string', description: 'Model name for a single model.onnx (default: the file or folder name)', valueHint: 'name' },
    workers: { type: 'string', description: 'Inference worker threads per model version (default: cores - 1, at most 4; a repository config.json instance_group wins)', valueHint: 'n' },
    'drain-timeout': { type: 'string', description: 'Seconds SIGTERM waits for in-flight requests (default 30)', valueHint: 's' },
    'poll-interval': { type: 'string', description: 'Seconds between registry checks of name@alias (default 5; changes made through the registry are seen at the next check)', valueHint: 's' },
    ...STORE_ARG,
  },
  async run(args, ctx) {
    const port = integerArg(args.port, '--port', { min: 0, max: 65535 })!;
    const grpcPort = integerArg(args['grpc-port'], '--grpc-port', { min: 0, max: 65535 });
    const workers = integerArg(args.workers, '--workers', { min: 1, max: 64 });
    const drainS = integerArg(args['drain-timeout'], '--drain-timeout', { min: 0 });
    const pollS = integerArg(args['poll-interval'], '--poll-interval', { min: 1 });
    const serve = await import('@mlops/serve');
    const load = { ...(workers !== undefined ? { workers } : {}), sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } };
    const target = path.resolve(ctx.cwd, args.target);
    const kind = STORE_URL.test(args.target) ? undefined : await kindOf(target);
    const served: Pick<ModelServerOptions, 'models' | 'repository' | 'repositoryLoad'> = {};
    let source: string;
    let registry: { close(): Promise<void> } | undefined;
    // One model file: a model.onnx given by name, or the one KServe's storage initializer leaves at the top of /mnt/models.
    const single = kind === 'file' ? target : kind === 'dir' && (await kindOf(path.join(target, 'model.onnx'))) === 'file' ? path.join(target, 'model.onnx') : undefined;
    if (single) {
      if (!single.toLowerCase().endsWith('.onnx')) throw usageError(`${args.target}: expected an .onnx file, a model repository or name@alias.`);
      const name = args.name ?? path.basename(kind === 'file' ? target.slice(0, -'.onnx'.length) : target);
      served.models = [await serve.loadModel({ source: single, name, version: '1', ...load })];
      source = single;
    } else if (kind === 'dir' || STORE_URL.test(args.target)) {
      // A Triton-style repository, read by @mlops/serve itself: config.json, version_policy, load/unload endpoints.
      served.repository = kind === 'dir' ? target : { store: await (await import('@mlops/storage')).openStore(args.target) };
      served.repositoryLoad = load;
      source = kind === 'dir' ? target : args.target;
    } else if (REGISTRY_REF.test(args.target)) {
      const { createRegistry } = await import('@mlops/registry');
      const r = createRegistry({ store: storeLocation(args.store, ctx) });
      registry = r;
      await r.getModelVersion(args.target); // NOT_FOUND (exit 2) now, not a background reload error
      served.models = [{ registry: r, ref: args.target, load, ...(pollS !== undefined ? { pollIntervalMs: pollS * 1000 } : {}) }];
      source = storeLocation(args.store, ctx);
    } else {
      throw usageError(`${args.target}: no such file or folder, and not a registry reference like churn@champion.`);
    }
    // Models that fail to load while starting stop the server (as Triton's --exit-on-error); later failures are logged.
    let starting = true;
    const loadErrors: unknown[] = [];
    const server = serve.createModelServer({
      ...served,
      host: args.host,
      port,
      ...(drainS !== undefined ? { drainTimeoutMs: drainS * 1000 } : {}),
      ...(grpcPort !== undefined ? { grpc: { port: grpcPort } } : {}),
      onError: (e) => (starting ? loadErrors.push(e) : ctx.err(`mlops serve: ${e instanceof Error ? e.message : String(e)}`)),
    });
    let address;
    try {
      address = await server.listen();
      starting = false;
      if (loadErrors.length > 0) throw startupError(loadErrors, source);
      if (server.status().length === 0) throw usageError(`Model repository ${source} has no models; expected ${LAYOUT}.`);
    } catch (error) {
      starting = false;
      await server.close().catch(() => undefined);
      await registry?.close();
      throw error;
    }
    const models = server.status();
    const describe = models.map((m) => `${m.name} (version${m.versions.length > 1 ? 's' : ''} ${m.versions.join(', ')})`).join(', ');
    const grpc = address.grpcPort !== undefined ? `; gRPC on ${address.host}:${address.grpcPort}` : '';
    if (ctx.json) ctx.outJson({ url: address.url, host: address.host, port: address.port, grpcPort: address.grpcPort ?? null, source, models });
    else ctx.out(`serving ${describe} from ${source} on ${address.url} (Open Inference Protocol: ${address.url}/v2/models/<name>/infer${grpc}); SIGTERM drains and stops`);
    // Drain on SIGTERM/SIGINT: stop accepting, finish in-flight requests, flush, exit 0. A second signal exits at once.
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(ExitCode.Failure);
        stopping = true;
        server.close().then(resolve, (e: unknown) => {
          ctx.err(`mlops serve: drain failed: ${e instanceof Error ? e.message : String(e)}`);
          resolve();
        });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    await registry?.close();
    if (!ctx.json) ctx.err('mlops serve: drained and stopped');
  },
});

/** One error for the models that failed to load at start, with the first one's code (a bad file is exit 2). */
function startupError(errors: readonly unknown[], source: string): MlopsError {
  const first = errors[0];
  const code = MlopsError.isInstance(first) ? first.code : ErrorCode.ServiceUnavailable;
  const reasons = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  return new MlopsError(code, `${errors.length} model${errors.length > 1 ? 's' : ''} of ${source} failed to load: ${reasons}`, { cause: first });
}
