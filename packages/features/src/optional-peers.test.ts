import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = path.dirname(fileURLToPath(import.meta.url));
const PEERS = ['redis', '@duckdb/node-api'];

describe('optional peers', () => {
  it('are never imported at module level (only type imports, and import() inside the functions that need them)', () => {
    const offenders: string[] = [];
    for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const text = readFileSync(path.join(srcDir, file), 'utf8');
      for (const line of text.split('\n')) {
        for (const peer of PEERS) {
          const staticImport = new RegExp(`^import (?!type ).*from '${peer}'`).test(line) || line.startsWith(`import '${peer}'`);
          if (staticImport || line.includes(`require('${peer}')`)) offenders.push(`${file}: ${line}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
