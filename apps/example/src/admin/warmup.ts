import type { WarmupProgress, WarmupReport, WarmupSource } from '@cachestack/core';
import { keys, type NamespaceName, schema } from '../cache/keys.js';
import type { Database } from '../db/database.js';
import { sql } from '../db/repository.js';
import { CATEGORIES } from '../db/seed.js';
import type { NamespaceSource } from '../services/shop.js';

/** A warmup started by `POST /cache/warmup`. */
export interface WarmupJob {
  readonly id: number;
  state: 'running' | 'done' | 'failed';
  readonly namespaces: readonly NamespaceName[];
  readonly startedAt: string;
  progress: WarmupProgress | undefined;
  report: (Omit<WarmupReport, 'failures'> & { failures: number }) | undefined;
  error: string | undefined;
  readonly done: Promise<void>;
}

const idOf = (key: string) => Number(schema.parse(key).id);

/**
 * Warms users, products (and category listings) and the users' order lists through
 * core's `warmup`, with batch loaders, high-priority namespaces first.
 */
export function startWarmup(
  id: number,
  db: Database,
  ns: NamespaceSource,
  namespaces: readonly NamespaceName[],
): WarmupJob {
  const job = {
    id,
    state: 'running',
    namespaces,
    startedAt: new Date().toISOString(),
    progress: undefined,
    report: undefined,
    error: undefined,
  } as Omit<WarmupJob, 'done'> as WarmupJob;
  const run = async () => {
    const n = ns();
    const max = await sql.maxIds(db);
    const range = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
    const sources: WarmupSource[] = [];
    if (namespaces.includes('users')) {
      sources.push({
        target: n.users,
        keys: range(max.users).map(keys.user),
        batchSize: 100,
        batchLoader: async (batch) => {
          const rows = new Map(
            (await sql.users(db, batch.map(idOf))).map((u) => [keys.user(u.id), u]),
          );
          return new Map(batch.map((k) => [k, rows.get(k) ?? null]));
        },
      });
    }
    if (namespaces.includes('products')) {
      sources.push({
        target: n.products,
        keys: range(max.products).map(keys.product),
        batchSize: 100,
        batchLoader: async (batch) => {
          const rows = new Map(
            (await sql.products(db, batch.map(idOf))).map((p) => [keys.product(p.id), p]),
          );
          return new Map(batch.map((k) => [k, rows.get(k) ?? null]));
        },
      });
      sources.push({
        target: n.products,
        keys: CATEGORIES.map(keys.category),
        loader: ({ key }) => sql.category(db, String(schema.parse(key).id)),
      });
    }
    if (namespaces.includes('orders')) {
      sources.push({
        target: n.orders,
        keys: range(max.users).map(keys.userOrders),
        loader: ({ key }) => sql.userOrders(db, idOf(key)),
      });
    }
    const report = await n.users.warmup(sources, {
      concurrency: 4,
      onProgress: (p) => {
        job.progress = p;
      },
    });
    job.report = { ...report, failures: report.failures.length };
    job.progress = report;
    job.state = 'done';
  };
  const done = run().catch((error: unknown) => {
    job.state = 'failed';
    job.error = error instanceof Error ? error.message : String(error);
  });
  return Object.assign(job, { done });
}
