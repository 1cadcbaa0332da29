import { group } from '../cli/command.js';
import type { MlopsCommand } from '../cli/command.js';
import pkg from '../../package.json' with { type: 'json' };

/** The `mlops` command tree; each group is imported only when it runs. */
export function rootCommand(): MlopsCommand {
  return group(
    { name: 'mlops', version: pkg.version, description: 'Models from a shell: registry, drift, serving, features, cost, GPU scheduling, the demo and a registry UI' },
    {
      registry: {
        description: 'Register, browse, promote and roll back model versions',
        load: async () => group({ name: 'registry', description: 'Register, browse, promote and roll back model versions' }, (await import('./registry/commands.js')).registryCommands),
      },
      drift: {
        description: 'Profile data and compare it with a reference (CSV, Parquet, Arrow IPC)',
        load: async () => group({ name: 'drift', description: 'Profile data and compare it with a reference (CSV, Parquet, Arrow IPC)' }, (await import('./drift/commands.js')).driftCommands),
      },
      features: {
        description: 'Feature views from a definitions file: check, materialize, read online, serve (Feast JSON)',
        load: async () => group({ name: 'features', description: 'Feature views from a definitions file: check, materialize, read online, serve (Feast JSON)' }, (await import('./features/commands.js')).featuresCommands),
      },
      serve: {
        description: 'Serve ONNX models over the Open Inference Protocol (REST), from a file, a model folder or the registry',
        load: async () => (await import('./serve/command.js')).serveCommand,
      },
      schedule: {
        description: 'Simulate GPU scheduling policies on public traces',
        load: async () => group({ name: 'schedule', description: 'Simulate GPU scheduling policies on public traces' }, (await import('./schedule/commands.js')).scheduleCommands),
      },
      cost: {
        description: 'Attribute usage to cost by team, model or job; FOCUS import and export; budgets',
        load: async () => group({ name: 'cost', description: 'Attribute usage to cost by team, model or job; FOCUS import and export; budgets' }, (await import('./cost/commands.js')).costCommands),
      },
      ui: {
        description: 'A read-only web UI over a registry store',
        load: async () => (await import('./ui.js')).uiCommand,
      },
      demo: {
        description: 'The user-age incident end to end, with reports to open (file store in ./mlops-demo)',
        load: async () => (await import('./demo.js')).demoCommand,
      },
    },
  );
}
