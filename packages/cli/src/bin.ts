#!/usr/bin/env node
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runCli reports its own errors; this is only reached by a bug in the reporting itself.
    console.error(error);
    process.exitCode = 1;
  },
);
