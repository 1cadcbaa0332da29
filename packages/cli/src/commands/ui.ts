import { createRegistry } from '@mlops/registry';
import { leaf } from '../cli/command.js';
import type { MlopsCommand } from '../cli/command.js';
import { integerArg } from '../cli/values.js';
import { createUiServer } from '../ui/server.js';
import { storeLocation, STORE_ARG } from './registry/open-registry.js';

/** `mlops ui`: the read-only registry browser. */
export const uiCommand: MlopsCommand = leaf({
  meta: { name: 'ui', description: 'A read-only web UI over a registry store: models, versions, lineage, alias history, promotions, stored reports' },
  args: {
    port: { type: 'string', description: 'Port (0: any free port)', default: '5000', valueHint: 'port' },
    host: { type: 'string', description: 'Interface to bind', default: '127.0.0.1', valueHint: 'addr' },
    ...STORE_ARG,
  },
  async run(args, ctx) {
    const port = integerArg(args.port, '--port', { min: 0, max: 65535 })!;
    const store = storeLocation(args.store, ctx);
    const registry = createRegistry({ store });
    const ui = await createUiServer({ registry, storeLabel: store, host: args.host, port });
    if (ctx.json) ctx.outJson({ url: ui.url, store });
    else ctx.out(`mlops ui: ${ui.url} (store ${store}, read-only); Ctrl-C stops`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await ui.close();
    await registry.close();
  },
});
