#!/usr/bin/env node
import { runCli } from './cli.js';

// First SIGINT/SIGTERM: finish the current batch, save the state, exit 3 (resumable).
// A second one exits at once; the state file still holds the last finished batch.
const controller = new AbortController();
const stop = () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`cachestack-migrate: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
