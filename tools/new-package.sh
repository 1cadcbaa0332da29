#!/usr/bin/env bash
# Usage: tools/new-package.sh <dir-name> "<description>"
# Lays out packages/<dir-name> with the shared build/test/lint config (a line or two each).
set -euo pipefail
name="$1"; desc="${2:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/packages/$name"
mkdir -p "$dir/src"
[ -f "$dir/package.json" ] || cat > "$dir/package.json" <<JSON
{
  "name": "@mlops/$name",
  "version": "0.0.0",
  "description": "$desc",
  "license": "Apache-2.0",
  "type": "module",
  "sideEffects": false,
  "exports": {
    ".": {
      "@mlops/source": "./src/index.ts",
      "import": { "types": "./dist/index.d.ts", "default": "./dist/index.js" },
      "require": { "types": "./dist/index.d.cts", "default": "./dist/index.cjs" }
    },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.cjs",
  "module": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist"],
  "engines": { "node": ">=20" },
  "publishConfig": { "access": "public" },
  "scripts": {
    "build": "tsup",
    "test": "vitest run",
    "typecheck": "tsc -p tsconfig.json",
    "lint": "eslint .",
    "check-publish": "publint --strict && attw --pack . --profile node16"
  }
}
JSON
[ -f "$dir/tsconfig.json" ] || cat > "$dir/tsconfig.json" <<'JSON'
{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "test", "bench"]
}
JSON
[ -f "$dir/tsup.config.ts" ] || cat > "$dir/tsup.config.ts" <<'TS'
import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

export default defineLibraryConfig();
TS
[ -f "$dir/vitest.config.ts" ] || cat > "$dir/vitest.config.ts" <<'TS'
import { defineProjectTestConfig } from '../../tools/vitest.shared.ts';

export default defineProjectTestConfig(import.meta.url);
TS
echo "created $dir"
