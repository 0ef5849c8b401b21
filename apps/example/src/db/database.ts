import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** What the app needs of a SQL database: parameterised queries and transactions. */
export interface Queryable {
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A database connection (PGlite or a PostgreSQL pool). */
export interface Database extends Queryable {
  /** `'pglite'` (embedded) or `'postgres'`. */
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in a transaction; row locks taken inside are held until it commits. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons (no parameters). */
  exec(sql: string): Promise<void>;
  /** Closes the connection(s). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, PGlite is used. */
  readonly url?: string | undefined;
  /** PGlite data directory; in memory when absent. */
  readonly dataDir?: string | undefined;
  /**
   * PostgreSQL schema holding the tables (created when missing); lets tests share one
   * server. @defaultValue 'public'
   */
  readonly schema?: string | undefined;
  /** Connections of the PostgreSQL pool. @defaultValue 10 */
  readonly poolSize?: number | undefined;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens PGlite (embedded Postgres) or, with `url`, a PostgreSQL pool. */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return options.url === undefined
    ? openPglite(options.dataDir)
    : openPostgres(options.url, schema, options.poolSize ?? 10);
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  let closed = false;
  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: readonly unknown[]) {
      const result = await db.query<T>(sql, params as unknown[] | undefined);
      return result.rows;
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return db.transaction((tx) =>
        fn({
          async query<R>(sql: string, params?: readonly unknown[]) {
            return (await tx.query<R>(sql, params as unknown[] | undefined)).rows;
          },
        }),
      );
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}

async function openPostgres(url: string, schema: string, max: number): Promise<Database> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } finally {
    await setup.end();
  }
  const pool = new pg.Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  let closed = false;
  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[]) {
      const result = await pool.query(sql, params as unknown[] | undefined);
      return result.rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({
          async query<R>(sql: string, params?: readonly unknown[]) {
            return (await client.query(sql, params as unknown[] | undefined)).rows as R[];
          },
        });
        await client.query('COMMIT');
        return out;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Drops a PostgreSQL schema and everything in it (test clean-up). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA_RE.test(schema) || schema === 'public') throw new Error(`refusing to drop ${schema}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
