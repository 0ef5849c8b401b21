#!/usr/bin/env node
// Committed entry of the `cachestack-migrate` bin: it exists before the build, so a fresh
// `pnpm install` links it without warnings; the CLI itself is the built dist/bin.js.
import '../dist/bin.js';
