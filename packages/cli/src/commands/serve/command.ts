import path from 'node:path';
import { leaf } from '../../cli/command.js';
import type { MlopsCommand } from '../../cli/command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { usageError } from '../../cli/usage-error.js';
import { integerArg } from '../../cli/values.js';
import { storeLocation, STORE_ARG } from '../registry/open-registry.js';
import { kindOf, readModelFolder } from './model-folder.js';

/** `mlops serve`: the standalone Open Inference Protocol server. */
export const serveCommand: MlopsCommand = leaf({
  meta: { name: 'serve', description: 'Serve ONNX models over the Open Inference Protocol: a model.onnx, a Triton-style model folder, or name@alias from the registry' },
  args: {
    target: { type: 'positional', description: 'model.onnx | models-dir | name@alias (name/3, name@latest) with --store', required: true },
    port: { type: 'string', description: 'HTTP port (0: any free port)', default: '8080', valueHint: 'port' },
    host: { type: 'string', description: 'Interface to bind (0.0.0.0 in a container)', default: '127.0.0.1', valueHint: 'addr' },
    'grpc-port': { type: 'string', description: 'Also serve OIP over gRPC on this port (KServe grpc_predict_v2; needs @grpc/grpc-js and @grpc/proto-loader)', valueHint: 'port' },
    name: { type: 'string', description: 'Model name for a single model.onnx (default: the file or folder name)', valueHint: 'name' },
    workers: { type: 'string', description: 'Inference worker threads per model version (default: cores - 1, at most 4)', valueHint: 'n' },
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
    const kind = await kindOf(target);
    type Served = NonNullable<Parameters<typeof serve.createModelServer>[0]['models']>[number];
    const models: Served[] = [];
    const loaded: { close(): Promise<void> }[] = [];
    let registry: { close(): Promise<void> } | undefined;
    const describe: string[] = [];
    if (kind === 'file') {
      if (!target.toLowerCase().endsWith('.onnx')) throw usageError(`${args.target}: expected an .onnx file, a model folder or name@alias.`);
      const name = args.name ?? path.basename(target).slice(0, -'.onnx'.length);
      const m = await serve.loadModel({ source: target, name, version: '1', ...load });
      loaded.push(m);
      models.push(m);
      describe.push(`${name} (version 1)`);
    } else if (kind === 'dir') {
      for (const fm of await readModelFolder(target, args.name ?? path.basename(target))) {
        const versions = [];
        for (const v of fm.versions) {
          const m = await serve.loadModel({ source: v.file, name: fm.name, version: v.version, ...load });
          loaded.push(m);
          versions.push(m);
        }
        models.push({ name: fm.name, versions, defaultVersion: versions.at(-1)!.version });
        describe.push(`${fm.name} (version${versions.length > 1 ? 's' : ''} ${versions.map((v) => v.version).join(', ')})`);
      }
    } else if (/^[A-Za-z0-9_-]+(@[A-Za-z0-9_-]+|\/\d+)$/.test(args.target)) {
      const { createRegistry } = await import('@mlops/registry');
      const r = createRegistry({ store: storeLocation(args.store, ctx) });
      registry = r;
      await r.getModelVersion(args.target); // NOT_FOUND (exit 2) now, not a background reload error
      models.push({ registry: r, ref: args.target, load, ...(pollS !== undefined ? { pollIntervalMs: pollS * 1000 } : {}) });
      describe.push(`${args.target} from ${storeLocation(args.store, ctx)}`);
    } else {
      throw usageError(`${args.target}: no such file or folder, and not a registry reference like churn@champion.`);
    }
    const server = serve.createModelServer({
      models,
      host: args.host,
      port,
      ...(drainS !== undefined ? { drainTimeoutMs: drainS * 1000 } : {}),
      ...(grpcPort !== undefined ? { grpc: { port: grpcPort } } : {}),
      onError: (e) => ctx.err(`mlops serve: ${e instanceof Error ? e.message : String(e)}`),
    });
    let address;
    try {
      address = await server.listen();
    } catch (error) {
      await Promise.allSettled(loaded.map((m) => m.close()));
      await registry?.close();
      throw error;
    }
    const grpc = address.grpcPort !== undefined ? `; gRPC on ${address.host}:${address.grpcPort}` : '';
    if (ctx.json) ctx.outJson({ url: address.url, host: address.host, port: address.port, grpcPort: address.grpcPort ?? null, models: server.status() });
    else ctx.out(`serving ${describe.join(', ')} on ${address.url} (Open Inference Protocol: ${address.url}/v2/models/<name>/infer${grpc}); SIGTERM drains and stops`);
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
