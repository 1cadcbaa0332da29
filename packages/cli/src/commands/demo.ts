import path from 'node:path';
import { leaf } from '../cli/command.js';
import type { MlopsCommand } from '../cli/command.js';
import { integerArg } from '../cli/values.js';

/** `mlops demo`: the user-age incident end to end. */
export const demoCommand: MlopsCommand = leaf({
  meta: { name: 'demo', description: 'The user-age incident end to end: features, training, ONNX, registry, serving, drift, retrain, promotion under traffic, rollback, a GPU week priced' },
  args: {
    dir: { type: 'string', description: 'Where the registry, data, reports and logs go', default: './mlops-demo', valueHint: 'dir' },
    users: { type: 'string', description: 'Customers in the generated population', default: '3000', valueHint: 'n' },
    requests: { type: 'string', description: 'Requests before and after the user_age change (8 rows each)', default: '300', valueHint: 'n' },
    'gpu-days': { type: 'string', description: 'Days of the Philly trace to schedule and price', default: '7', valueHint: 'n' },
  },
  async run(args, ctx) {
    const users = integerArg(args.users, '--users', { min: 200, max: 1_000_000 })!;
    const requests = integerArg(args.requests, '--requests', { min: 100 })!;
    const gpuDays = integerArg(args['gpu-days'], '--gpu-days', { min: 1, max: 30 })!;
    const { runDemo } = await import('../demo/run-demo.js');
    const { formatDemoSummary } = await import('../demo/summary.js');
    const progress = ctx.isTTY && !ctx.json ? await progressBars() : undefined;
    try {
      const result = await runDemo({
        dir: path.resolve(ctx.cwd, args.dir),
        users,
        requests,
        gpuDays,
        cwd: ctx.cwd,
        log: (line) => (ctx.json ? undefined : progress ? progress.line(line) : ctx.out(line)),
        ...(progress ? { progress: progress.update } : {}),
      });
      progress?.stop();
      if (ctx.json) ctx.outJson(result);
      else ctx.out(`\n${formatDemoSummary(result, ctx.cwd)}`);
    } finally {
      progress?.stop();
    }
  },
});

/** Progress bars for a terminal (cli-progress); plain lines go above them. */
async function progressBars(): Promise<{ update(step: string, done: number, total: number): void; line(text: string): void; stop(): void }> {
  const { default: cliProgress } = await import('cli-progress');
  const bars = new cliProgress.MultiBar({ format: ' {step} [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true, stopOnComplete: false }, cliProgress.Presets.shades_classic);
  const byStep = new Map<string, ReturnType<typeof bars.create>>();
  let stopped = false;
  return {
    update(step, done, total) {
      if (stopped) return;
      let bar = byStep.get(step);
      if (!bar) {
        bar = bars.create(total, 0, { step });
        byStep.set(step, bar);
      }
      bar.update(done, { step });
      if (done >= total) {
        bars.remove(bar);
      }
    },
    line(text) {
      if (stopped) process.stdout.write(`${text}\n`);
      else bars.log(`${text}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bars.stop();
    },
  };
}
