import type { Logger } from '@cachestack/core';
import { Redis } from 'ioredis';

/**
 * Creates the client of a store given a `url`: no offline queue (an outage fails calls
 * at once), one retry per request, ioredis `commandTimeout` as the deadline. Resolves
 * `connecting` once the first connection attempt has an outcome: without an offline
 * queue, commands sent before the first connection would fail.
 */
export function createOwnClient(
  url: string,
  commandTimeoutMs: number,
  logger: Logger,
): { client: Redis; connecting: Promise<void> } {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
  });
  client.on('error', (error: Error) => {
    logger.warn({ err: error }, 'redis client error');
  });
  const connecting = new Promise<void>((resolve) => {
    const done = () => {
      client.off('ready', done);
      client.off('error', done);
      client.off('end', done);
      resolve();
    };
    client.on('ready', done);
    client.on('error', done);
    client.on('end', done);
  });
  return { client, connecting };
}
