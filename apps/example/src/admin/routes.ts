import { isMigrationMode } from '@cachestack/migrate';
import type { FastifyInstance } from 'fastify';
import { resolveAppConfig } from '../cache/app-config.js';
import { NAMESPACES, type NamespaceName } from '../cache/keys.js';
import type { CacheRuntime } from '../cache/runtime.js';
import type { Database } from '../db/database.js';
import { sendProblem } from '../http/problem.js';
import type { Shop } from '../services/shop.js';
import type { AppHealth } from '../telemetry/health.js';
import type { PrometheusMetrics } from '../telemetry/prometheus.js';
import type { StatsRecorder } from '../telemetry/recorder.js';
import { apiKeyGuard } from './auth.js';
import { registerConfigRoutes } from './config-routes.js';
import { checkConsistency } from './consistency.js';
import { LOAD_TEST_LIMITS, runLoadTest } from './load-test.js';
import { startWarmup, type WarmupJob } from './warmup.js';

/** What the admin routes act on. */
export interface AdminContext {
  readonly db: Database;
  readonly runtime: CacheRuntime;
  readonly shop: Shop;
  readonly recorder: StatsRecorder;
  readonly prometheus: PrometheusMetrics;
  readonly health: AppHealth;
  readonly apiKey: string;
  /** Extra status sections (rate limiter and so on). */
  readonly extraStatus?: () => Record<string, unknown>;
}

/** Body schemas: strict (no coercion, unknown fields refused; see http/validator.ts). */
const promotionBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    promotion: {},
    admission: {},
    policy: {},
  },
} as const;
const migrationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: { mode: { type: 'string' } },
} as const;
const warmupBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    namespaces: { type: 'array', items: { type: 'string' }, maxItems: 16 },
    wait: { type: 'boolean' },
  },
} as const;
const loadTestBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    durationMs: { type: 'integer', minimum: 100, maximum: LOAD_TEST_LIMITS.maxDurationMs },
    concurrency: { type: 'integer', minimum: 1, maximum: LOAD_TEST_LIMITS.maxConcurrency },
    writeRatio: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;
const consistencyBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    sampleSize: { type: 'integer', minimum: 0, maximum: 100_000 },
    repair: { type: 'boolean' },
  },
} as const;
const consistencyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { sampleSize: { type: 'integer', minimum: 0, maximum: 100_000 } },
} as const;

/** Registers `/cache/*`, every route behind the `X-API-Key` guard. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const { db, runtime, shop, recorder } = ctx;
  const ns = () => runtime.stack.ns;
  let warmups = 0;
  let lastWarmup: WarmupJob | undefined;
  let loadTestRunning = false;
  /**
   * Reads made by the consistency check and by warmups are not traffic: they count
   * neither in the dashboard's hit rates nor in the health score.
   */
  const untracked = <T>(run: () => Promise<T>): Promise<T> => {
    const unmute = recorder.mute();
    return ctx.health.untracked(run).finally(unmute);
  };

  const status = () => {
    const stack = runtime.stack;
    const stats = stack.cache.stats();
    return {
      uptimeSec: Math.round((Date.now() - runtime.startedAt) / 1000),
      generation: runtime.generation,
      database: db.kind,
      l1: {
        entries: stats.l1Entries,
        bytes: stats.l1Bytes,
        maxEntries: stack.config.l1.maxEntries,
        maxBytes: stack.config.l1.maxBytes,
      },
      l2: {
        kind: stack.l2Kind,
        configured: stack.config.l2.kind,
        circuit: stats.circuit,
        pendingInvalidations: stats.pendingInvalidations,
      },
      bus: stack.bus ? stack.bus.state : 'none',
      inFlightLoads: stats.inFlightLoads,
      totals: Object.fromEntries(recorder.totals),
      l2Errors: recorder.l2Errors,
      circuitOpens: recorder.circuitOpens,
      integrations: stack.statuses,
      ...(ctx.extraStatus?.() ?? {}),
    };
  };

  app.register(async (admin) => {
    admin.addHook('onRequest', apiKeyGuard(ctx.apiKey));

    admin.get('/cache/status', async () => status());

    /** Everything the dashboard draws, in one poll. */
    admin.get('/cache/dashboard', async () => ({
      status: status(),
      health: ctx.health.report(),
      series: recorder.series(),
      sliceMs: recorder.sliceMs,
      warmup: lastWarmup ? warmupView(lastWarmup) : null,
    }));

    admin.get('/cache/health', async () => ctx.health.report());

    admin.get('/cache/metrics', async (_req, reply) => {
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      return ctx.prometheus.text();
    });

    registerConfigRoutes(admin, runtime);

    admin.get('/cache/promotion', async () => {
      const { l1 } = runtime.stack.config;
      const totals = [...recorder.totals.values()];
      const l1Hits = totals.reduce((s, c) => s + c.l1, 0);
      const l2Hits = totals.reduce((s, c) => s + c.l2, 0);
      return {
        promotion: l1.promotion,
        admission: l1.admission,
        policy: l1.policy,
        l1Hits,
        l2Hits,
        // Share of tier hits answered by L1: what promotion buys.
        l1ShareOfHits: l1Hits + l2Hits === 0 ? 0 : l1Hits / (l1Hits + l2Hits),
        namespaces: Object.fromEntries(NAMESPACES.map((n) => [n, { priority: ns()[n].priority }])),
      };
    });

    admin.put('/cache/promotion', { schema: { body: promotionBody } }, async (request, reply) => {
      const body = request.body as Record<string, unknown>;
      const input = runtime.input;
      const next = { ...input, l1: { ...(input.l1 ?? {}), ...body } };
      const result = resolveAppConfig(next, input.l2);
      if (!result.valid) {
        return sendProblem(reply, 400, 'invalid promotion settings; nothing was applied', {
          errors: result.errors.map((e) => ({ path: e.path, message: e.message })),
        });
      }
      await runtime.apply(result.config, result.input);
      const { l1 } = result.config;
      return {
        applied: true,
        promotion: l1.promotion,
        admission: l1.admission,
        policy: l1.policy,
      };
    });

    admin.get('/cache/migration', async (_req, reply) => {
      const m = runtime.stack.migration;
      if (!m) return sendProblem(reply, 404, 'no legacy-key migration (needs REDIS_URL)');
      return { entity: 'users', mode: m.mode(), stats: m.stats() };
    });

    admin.put('/cache/migration', { schema: { body: migrationBody } }, async (request, reply) => {
      const m = runtime.stack.migration;
      if (!m) return sendProblem(reply, 404, 'no legacy-key migration (needs REDIS_URL)');
      const mode = (request.body as { mode: string }).mode;
      if (!isMigrationMode(mode)) {
        return sendProblem(
          reply,
          400,
          'mode must be dual-write, read-new-fallback-legacy or new-only',
        );
      }
      m.setMode(mode);
      return { entity: 'users', mode: m.mode(), stats: m.stats() };
    });

    admin.get('/cache/warmup', async () => ({
      warmup: lastWarmup ? warmupView(lastWarmup) : null,
    }));

    admin.post('/cache/warmup', { schema: { body: warmupBody } }, async (request, reply) => {
      const body = (request.body ?? {}) as { namespaces?: string[]; wait?: boolean };
      const wanted = body.namespaces ?? [...NAMESPACES];
      const bad = wanted.filter((n) => !NAMESPACES.includes(n as NamespaceName));
      if (bad.length > 0) {
        return sendProblem(
          reply,
          400,
          `unknown namespaces: ${bad.join(', ')} (known: ${NAMESPACES.join(', ')})`,
        );
      }
      if (lastWarmup?.state === 'running') {
        return sendProblem(reply, 409, 'a warmup is running', {
          warmup: warmupView(lastWarmup),
        });
      }
      const job = startWarmup(++warmups, db, ns, wanted as NamespaceName[]);
      lastWarmup = job;
      // The job's first lookup comes after an await: untracked from here covers it.
      void untracked(() => job.done).catch(() => {});
      if (body.wait === true) {
        await lastWarmup.done;
        return { warmup: warmupView(lastWarmup) };
      }
      return reply.code(202).send({ warmup: warmupView(lastWarmup) });
    });

    admin.post('/cache/load-test', { schema: { body: loadTestBody } }, async (request, reply) => {
      const body = (request.body ?? {}) as {
        durationMs?: number;
        concurrency?: number;
        writeRatio?: number;
      };
      const durationMs = body.durationMs ?? 2000;
      const concurrency = body.concurrency ?? 8;
      const writeRatio = body.writeRatio ?? 0.05;
      if (loadTestRunning) return sendProblem(reply, 409, 'a load test is running');
      loadTestRunning = true;
      try {
        return await runLoadTest(db, shop, recorder, { durationMs, concurrency, writeRatio });
      } finally {
        loadTestRunning = false;
      }
    });

    // GET only reports (never repairs); POST { sampleSize, repair } may repair.
    admin.get<{ Querystring: { sampleSize?: number } }>(
      '/cache/consistency',
      { schema: { querystring: consistencyQuery } },
      async (request) =>
        untracked(() => checkConsistency(db, ns, { sampleSize: request.query.sampleSize ?? 200 })),
    );

    admin.post('/cache/consistency', { schema: { body: consistencyBody } }, async (request) => {
      const body = (request.body ?? {}) as { sampleSize?: number; repair?: boolean };
      return untracked(() =>
        checkConsistency(db, ns, {
          sampleSize: body.sampleSize ?? 200,
          repair: body.repair === true,
        }),
      );
    });
  });
}

function warmupView(job: WarmupJob) {
  const { done: _done, ...view } = job;
  return view;
}
