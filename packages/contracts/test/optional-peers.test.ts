import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

describe('optional Parquet peers', () => {
  it('importing the package root does not load hyparquet; Parquet calls name the install line when it is absent', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@mlops/source', '--import', 'tsx', '--import', path.join(here, 'peer/hide-hyparquet.mjs'), path.join(here, 'peer/probe.ts')],
      { cwd: path.join(here, '..'), timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as { rootImported: boolean; read: { code: string; message: string }; write: { code: string; message: string } };
    expect(report.rootImported).toBe(true);
    expect(report.read.code).toBe('MISSING_PEER_DEPENDENCY');
    expect(report.read.message).toContain('npm install hyparquet');
    expect(report.write.code).toBe('MISSING_PEER_DEPENDENCY');
    expect(report.write.message).toContain('npm install hyparquet-writer');
  });

  it('the package root module graph has no static import of the peers', async () => {
    // Load the root in a fresh process and list every module it resolved.
    const script = `
      import { register } from 'node:module';
      const seen = [];
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (m) => seen.push(m));
      port1.unref();
      register('data:text/javascript,' + encodeURIComponent(\`
        let port;
        export function initialize(data) { port = data.port; }
        export async function resolve(s, c, next) { port.postMessage(s); return next(s, c); }
      \`), { data: { port: port2 }, transferList: [port2] });
      await import('@mlops/contracts');
      await new Promise((r) => setTimeout(r, 50));
      process.stdout.write(JSON.stringify(seen));
    `;
    const { stdout } = await run(process.execPath, ['--conditions=@mlops/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.join(here, '..'),
      timeout: 60_000,
    });
    const resolved = JSON.parse(stdout) as string[];
    expect(resolved).toContain('apache-arrow');
    expect(resolved.filter((s) => s.includes('hyparquet'))).toEqual([]);
  });
});
