import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./fixtures/lazy-sdk-probe.ts', import.meta.url));

describe('@mlops/registry imports', () => {
  it('loads no cloud SDK unless an s3:// or gs:// registry is opened', async () => {
    const { stdout } = await run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', probe], {
      cwd: path.dirname(probe),
      timeout: 60_000,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const result = JSON.parse(stdout.trim()) as { afterUse: number; afterS3: number };
    expect(result.afterUse).toBe(0);
    expect(result.afterS3).toBeGreaterThan(0);
  });
});
