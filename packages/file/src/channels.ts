import { channel } from 'node:diagnostics_channel';

/**
 * Hot-path telemetry of the file store on `node:diagnostics_channel`, published only
 * when someone subscribes (for example `@cachestack/metrics`).
 */
export const fileChannels = {
  /** `{ operation, namespace, durationMs, ok, errno? }` per store call. */
  op: channel('cachestack:file:op'),
  /** `{ files, bytes, expired, evicted, corrupt, durationMs }` per cleaner pass. */
  sweep: channel('cachestack:file:sweep'),
} as const;
