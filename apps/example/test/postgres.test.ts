import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { dropSchema } from '../src/db/database.js';
import { apiBehaviour } from './api-behaviour.js';
import { admin, testApp, uniqueName } from './helpers.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const available = await postgresAnswers();
if (!available) {
  console.warn(`[example] PostgreSQL tests skipped: nothing answers at ${DATABASE_URL}`);
}

// Each run uses its own schema on the shared server and drops it afterwards.
describe.skipIf(!available)('on PostgreSQL (DATABASE_URL)', () => {
  const schema = uniqueName('example');
  let app: App;
  beforeAll(async () => {
    app = await testApp({ databaseUrl: DATABASE_URL, databaseSchema: schema });
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(DATABASE_URL, schema);
  });

  it('runs on the PostgreSQL pool', async () => {
    const status = (
      await app.server.inject({ method: 'GET', url: '/cache/status', headers: admin })
    ).json();
    expect(status.database).toBe('postgres');
  });

  apiBehaviour(() => app);
});
