import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { EnvConfigError, rateLimitFromEnv } from './cache/env-rate-limit.js';
import { assertPortFree, PortUnavailableError } from './http/port-check.js';

// Starts the example service on embedded defaults (PGlite, file L2), or on PostgreSQL
// (DATABASE_URL) and Redis (REDIS_URL). Prints the URL; stops cleanly on SIGINT/SIGTERM.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const env = process.env;
const port = Number(env.PORT ?? 3000);
const host = env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  logger.error(`PORT must be an integer 0-65535, got "${env.PORT}"`);
  process.exit(1);
}
const adminApiKey = env.ADMIN_API_KEY || randomBytes(18).toString('base64url');
if (!env.ADMIN_API_KEY) logger.warn('ADMIN_API_KEY is not set: generated a key for this run');

async function main(): Promise<void> {
  // Refuse at once what would only fail after the database is seeded.
  const rateLimits = rateLimitFromEnv(env);
  await assertPortFree(port, host);
  const app = await buildApp({
    ...(rateLimits === undefined ? {} : { config: { rateLimits } }),
    adminApiKey,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.PGLITE_DIR || undefined,
    redisUrl: env.REDIS_URL || undefined,
    fileDir: env.CACHE_DIR || undefined,
    logger,
  });
  await app.server.listen({ port, host });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  console.log(`\ncachestack example listening on ${url}`);
  console.log(`dashboard: ${url}/#key=${adminApiKey}`);
  console.log(`try: curl ${url}/api/users/1\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof PortUnavailableError || error instanceof EnvConfigError) {
    // The message says what to do; a stack would only hide it.
    logger.error(`failed to start: ${error.message}`);
  } else {
    logger.error({ err: error }, 'failed to start');
  }
  process.exit(1);
});
