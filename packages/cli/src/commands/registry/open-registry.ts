import path from 'node:path';
import { createRegistry } from '@mlops/registry';
import type { Registry } from '@mlops/registry';
import type { CliContext } from '../../cli/context.js';

/** The `--store` flag every registry-backed command takes. */
export const STORE_ARG = {
  store: {
    type: 'string',
    description: 'Registry store: a path, file://, s3://bucket/prefix or gs://bucket/prefix (default: $MLOPS_REGISTRY_URL, else ./.mlops)',
    valueHint: 'url',
  },
} as const;

/** Where the registry lives, as the user gave it: flag, then `$MLOPS_REGISTRY_URL`, then `./.mlops`. */
export function storeLocation(flag: string | undefined, ctx: CliContext): string {
  const target = flag ?? (ctx.env.MLOPS_REGISTRY_URL || './.mlops');
  // Plain paths resolve against the caller's directory; URLs (file://, s3://, gs://, memory://) stay as they are.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : path.resolve(ctx.cwd, target);
}

/** Opens the registry named by `--store` / `$MLOPS_REGISTRY_URL`, runs `fn`, and closes it. */
export async function withRegistry<T>(flag: string | undefined, ctx: CliContext, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = createRegistry({ store: storeLocation(flag, ctx), ...(ctx.env.MLOPS_ACTOR ? { actor: ctx.env.MLOPS_ACTOR } : {}) });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}
