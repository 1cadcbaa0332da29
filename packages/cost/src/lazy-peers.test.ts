import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = path.dirname(fileURLToPath(import.meta.url));

describe('optional peers stay optional', () => {
  it('hyparquet-writer is only loaded lazily (dynamic import in writeFocusParquet)', () => {
    for (const file of readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const text = readFileSync(path.join(src, file), 'utf8');
      expect(text, file).not.toMatch(/^import[^;]*['"]hyparquet-writer['"]/m);
      expect(text, file).not.toMatch(/['"]@duckdb\/node-api['"]|['"]playwright-core['"]/);
    }
    expect(readFileSync(path.join(src, 'focus.ts'), 'utf8')).toContain("() => import('hyparquet-writer')");
  });
});
