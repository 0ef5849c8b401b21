import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type App, type AppOptions, buildApp } from '../src/app.js';

/** The admin key of test apps. */
export const API_KEY = 'test-admin-key-0123456789';

/** Small deterministic seed so every test file starts fast. */
export const SEED = { users: 40, products: 64, orders: 240 } as const;

/** Builds an app on a small seed with a silent logger; its file L2 is removed on close. */
export async function testApp(options: Partial<AppOptions> = {}): Promise<App> {
  const fileDir = mkdtempSync(join(tmpdir(), 'cachestack-example-'));
  const app = await buildApp({
    fileDir,
    adminApiKey: API_KEY,
    seed: SEED,
    logger: pino({ level: 'silent' }),
    // Every test request comes from 127.0.0.1: a limit no suite reaches (the rate-limit
    // test builds its own app with a small one).
    config: {
      rateLimits: { api: { algorithm: 'sliding-window', limit: 1_000_000, windowMs: '1m' } },
    },
    ...options,
  });
  const close = app.close.bind(app);
  return Object.assign(app, {
    async close() {
      await close();
      rmSync(fileDir, { recursive: true, force: true });
    },
  });
}

/** A unique lowercase name for a schema or key prefix. */
export function uniqueName(label: string): string {
  return `${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Sum of the recorder's totals. */
export function totals(app: App): { l1: number; l2: number; miss: number; loads: number } {
  const out = { l1: 0, l2: 0, miss: 0, loads: 0 };
  for (const c of app.recorder.totals.values()) {
    out.l1 += c.l1;
    out.l2 += c.l2;
    out.miss += c.miss;
    out.loads += c.loads;
  }
  return out;
}

/** Admin request headers. */
export const admin = { 'x-api-key': API_KEY };
