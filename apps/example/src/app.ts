import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheStackConfigInput } from '@cachestack/config';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type Logger as PinoLogger, pino } from 'pino';
import { registerAdminRoutes } from './admin/routes.js';
import { createApiRateLimit } from './api/rate-limit.js';
import { registerApiRoutes } from './api/routes.js';
import { BASE_CONFIG, resolveAppConfig } from './cache/app-config.js';
import { NAMESPACES } from './cache/keys.js';
import { CacheRuntime, withTimeout } from './cache/runtime.js';
import { dashboardHtml, FAVICON_SVG } from './dashboard/page.js';
import { type Database, openDatabase } from './db/database.js';
import { migrateAndSeed, type SeedSizes } from './db/seed.js';
import { createProblemErrorHandler, sendProblem } from './http/problem.js';
import { strictValidatorCompiler } from './http/validator.js';
import { cacheOutageOptions, outageLogger } from './logging/outage-logger.js';
import { Shop } from './services/shop.js';
import { createAppHealth } from './telemetry/health.js';
import { createPrometheusMetrics } from './telemetry/prometheus.js';
import { StatsRecorder } from './telemetry/recorder.js';

/** Largest request body accepted (larger ones get 413). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** Admin API key (`X-API-Key`), at least 16 characters. */
  readonly adminApiKey: string;
  /** An open database to use (the app then does not close it); else one is opened. */
  readonly database?: Database | undefined;
  /** PostgreSQL URL; PGlite (embedded) when absent. */
  readonly databaseUrl?: string | undefined;
  /** PGlite data directory; in memory when absent. */
  readonly dataDir?: string | undefined;
  /** PostgreSQL schema of the tables (unique per test run). @defaultValue 'public' */
  readonly databaseSchema?: string | undefined;
  /** Redis URL: L2 on Redis (with bus and locks) instead of the embedded file store. */
  readonly redisUrl?: string | undefined;
  /** Key prefix on Redis (unique per test run). @defaultValue 'shop' */
  readonly redisPrefix?: string | undefined;
  /** Directory of the embedded file L2. @defaultValue `<os tmpdir>/cachestack-example/l2` */
  readonly fileDir?: string | undefined;
  /** Cache configuration layered over the app's base configuration. */
  readonly config?: CacheStackConfigInput | undefined;
  /** Seed sizes. */
  readonly seed?: SeedSizes | undefined;
  /** pino logger. @defaultValue pino at info level */
  readonly logger?: PinoLogger | undefined;
  /** Dashboard time-series slice. @defaultValue 2000 */
  readonly sliceMs?: number | undefined;
}

/** A built, not yet listening, app. */
export interface App {
  readonly server: FastifyInstance;
  readonly shop: Shop;
  readonly db: Database;
  readonly runtime: CacheRuntime;
  readonly recorder: StatsRecorder;
  /** Stops accepting requests, then closes the cache, metrics and database. Idempotent. */
  close(): Promise<void>;
}

/** Builds the service: database (migrated and seeded), cache stack, routes. */
export async function buildApp(options: AppOptions): Promise<App> {
  const logger = options.logger ?? pino({ level: 'info' });
  const l2: CacheStackConfigInput['l2'] =
    options.redisUrl !== undefined
      ? { kind: 'redis', url: options.redisUrl, prefix: options.redisPrefix ?? 'shop' }
      : { kind: 'file', dir: options.fileDir ?? join(tmpdir(), 'cachestack-example', 'l2') };
  const input: CacheStackConfigInput = { ...BASE_CONFIG, ...(options.config ?? {}), l2 };
  const resolved = resolveAppConfig(input, l2);
  if (!resolved.valid) {
    throw new Error(
      `invalid cache configuration: ${resolved.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    );
  }

  const ownsDb = options.database === undefined;
  const db =
    options.database ??
    (await openDatabase({
      url: options.databaseUrl,
      dataDir: options.dataDir,
      schema: options.databaseSchema,
    }));
  let seeded: boolean;
  try {
    seeded = await migrateAndSeed(db, options.seed);
    logger.info({ database: db.kind, seeded }, 'database ready');
  } catch (error) {
    if (ownsDb) await db.close();
    throw error;
  }

  const recorder = new StatsRecorder({ sliceMs: options.sliceMs ?? 2000 });
  // An outage makes every call fail the same way: log it as a start, counts and an end.
  const cacheLogger = outageLogger(
    logger,
    cacheOutageOptions(resolved.config.circuitBreaker.breakDurationMs),
  );
  const serverLogger = outageLogger(logger);
  const runtime = new CacheRuntime(resolved.config, resolved.input, recorder, cacheLogger);
  await withTimeout(runtime.stack.ready(), 5000);
  if (seeded) {
    // A database seeded just now is new: whatever a persistent L2 (files, Redis) still
    // holds under these keys came from another database.
    await Promise.all(NAMESPACES.map((name) => runtime.stack.ns[name].clear()));
  }
  const health = createAppHealth(runtime.facade, resolved.config, logger);
  runtime.onApply((config) => health.reconfigure(config));
  const shop = new Shop(
    db,
    () => runtime.stack.ns,
    (ms) => {
      recorder.recordLatency(ms);
      health.recordLatency(ms);
    },
    () => runtime.stack.users,
  );
  const prometheus = createPrometheusMetrics(
    recorder,
    runtime.facade,
    // The bus of the cache in force (a reconfiguration may rebuild it).
    runtime.stack.bus
      ? {
          get state() {
            return runtime.stack.bus?.state ?? 'disconnected';
          },
        }
      : undefined,
  );
  const rate = createApiRateLimit(resolved.config, {
    redisUrl: options.redisUrl,
    prefix: `${options.redisPrefix ?? 'shop'}:rl`,
    logger,
  });

  const server = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // No line per request (the API serves thousands a second); the error handler logs
    // client errors at info and server errors at error, once each.
    logController: new LogController({ disableRequestLogging: true }),
  });
  server.setValidatorCompiler(strictValidatorCompiler());
  // ShopError and fastify's parsing errors carry their 4xx status: kept (problem+json).
  server.setErrorHandler(createProblemErrorHandler(serverLogger));
  server.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  // Bodies are JSON or (PATCH /cache/config) a JSON merge patch: fastify's text/plain
  // parser would hand a string to the JSON schemas (a 400 instead of a 415).
  server.removeContentTypeParser('text/plain');
  server.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    server.getDefaultJsonParser('error', 'error'),
  );
  server.get('/', async (_req, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').send(dashboardHtml()),
  );
  server.get('/favicon.ico', async (_req, reply) =>
    reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .send(FAVICON_SVG),
  );
  server.get('/healthz', async () => ({ ok: true }));
  registerApiRoutes(server, shop, rate.limiter);
  registerAdminRoutes(server, {
    db,
    runtime,
    shop,
    recorder,
    prometheus,
    health,
    apiKey: options.adminApiKey,
    extraStatus: () => ({ rateLimit: rate.status() }),
  });
  await server.ready();

  let closing: Promise<void> | undefined;
  return {
    server,
    shop,
    db,
    runtime,
    recorder,
    close() {
      closing ??= (async () => {
        await server.close();
        // Handlers of requests whose clients went away may still run: let them finish.
        await shop.drain();
        await rate.close();
        await prometheus.close();
        health.close();
        await runtime.close();
        cacheLogger.close();
        serverLogger.close();
        if (ownsDb) await db.close();
      })();
      return closing;
    },
  };
}
