import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Codec, RemoteStore, Serializer } from '@cachestack/core';
import { Cluster, Redis } from 'ioredis';
import { UsageError } from './errors.js';
import { type MigrationReport, migrateLegacyKeys, type Transform } from './migrator.js';
import { createProgressBar, formatDuration } from './progress-bar.js';
import { fileStateStore } from './state.js';

/** Usage text of `cachestack-migrate`. */
export const USAGE = `Usage: cachestack-migrate --prefix <p> --namespace <ns> --map '<legacy>=<new>' [options]

Copies legacy Redis keys into cachestack keys (core frame format, remaining TTL kept).

  --url <redis://...>        legacy and target Redis (default: $REDIS_URL or redis://127.0.0.1:6379)
  --cluster <host:port,...>  use a Redis Cluster (startup nodes) instead of --url
  --prefix <p>               key prefix of the cachestack Redis store (required)
  --shards <n>               hash-tag shards per namespace of that store, as in its
                             redisStore options (default 16 with --cluster, else 1)
  --namespace <ns>           cache namespace of the new keys (required)
  --map <legacy>=<new>       key pattern pair, e.g. 'legacy:u:{id}=user:{id}' (repeatable, required)
  --decode <json|raw>        how legacy strings are read (default json: JSON, else the string)
  --transform <module>       module exporting transform(value, { legacyKey, key, ttlMs })
  --codec-module <module>    module exporting the caches' codec and/or serializer
  --batch-size <n>           SCAN COUNT and keys per write (default 500)
  --persistent-ttl <ms>      TTL for legacy keys without expiry (default: kept, ~100 years)
  --state <file>             resume file (default ./cachestack-migrate.state.json)
  --restart                  ignore the state file and start over
  --max-batches <n>          stop (resumably) after n batches
  --delete-legacy            delete legacy keys whose new key reads back equal
  --dry-run                  write nothing, report what would be migrated
  --no-count                 do not count keys first (no percentage or ETA)
  --progress-interval <ms>   least time between progress lines (default 100 on a TTY, 1000 otherwise)
  --quiet                    no progress output
  --json                     print the final report as JSON on stdout
  -h, --help                 this text

Exit codes: 0 done, 2 done with failed keys, 3 stopped early (rerun to resume), 1 error, 64 usage.`;

/** Where the CLI reads and writes; the process by default. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborts the run after the current batch (the bin wires SIGINT/SIGTERM to it). */
  readonly signal?: AbortSignal | undefined;
}

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a whole number, got "${text}"`);
  return n;
}

async function loadModule(path: string, cwd: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(resolve(cwd, path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot load module ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function parseMaps(values: readonly string[]): Record<string, string> {
  if (values.length === 0) throw new UsageError('give at least one --map <legacy>=<new>');
  const map: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1)
      throw new UsageError(`--map "${value}" must look like <legacy>=<new>`);
    map[value.slice(at + 1)] = value.slice(0, at);
  }
  return map;
}

async function connect(
  url: string | undefined,
  cluster: string | undefined,
): Promise<Redis | Cluster> {
  if (cluster !== undefined) {
    const nodes = cluster.split(',').map((hp) => {
      const [host, port] = hp.split(':');
      return { host: host || '127.0.0.1', port: Number(port) || 6379 };
    });
    const client = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
    await new Promise<void>((ok, fail) => {
      client.once('ready', ok);
      client.once('error', fail);
    });
    return client;
  }
  const client = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

/**
 * Runs `cachestack-migrate` with these arguments.
 * @returns the exit code (0 done, 2 done with failed keys, 3 stopped early, 1 error, 64 usage)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 64;
  }
  const v = args.values;
  if (v.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let client: Redis | Cluster | undefined;
  let store: RemoteStore | undefined;
  try {
    if (!v.prefix) throw new UsageError('--prefix is required');
    if (!v.namespace) throw new UsageError('--namespace is required');
    const legacy = parseMaps(v.map ?? []);
    if (v.decode !== undefined && v.decode !== 'json' && v.decode !== 'raw') {
      throw new UsageError('--decode must be json or raw');
    }
    let transform: Transform | undefined;
    if (v.transform) {
      const mod = await loadModule(v.transform, io.cwd);
      const fn = mod.transform ?? mod.default;
      if (typeof fn !== 'function')
        throw new UsageError(`${v.transform} exports no transform function`);
      transform = fn as Transform;
    }
    let codec: Codec | undefined;
    let serializer: Serializer | undefined;
    if (v['codec-module']) {
      const mod = await loadModule(v['codec-module'], io.cwd);
      codec = mod.codec as Codec | undefined;
      serializer = mod.serializer as Serializer | undefined;
      if (codec === undefined && serializer === undefined) {
        throw new UsageError(`${v['codec-module']} exports neither codec nor serializer`);
      }
    }
    const url = v.url ?? io.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    client = await connect(url, v.cluster);
    const { redisStore } = await import('@cachestack/redis');
    const shards = integer('shards', v.shards);
    if (shards === 0) throw new UsageError('--shards must be at least 1');
    store = redisStore({ client, prefix: v.prefix, shards, commandTimeoutMs: 10_000 });
    const tty = io.stderr.isTTY === true;
    const bar = v.quiet
      ? undefined
      : createProgressBar({
          stream: io.stderr,
          tty,
          intervalMs: integer('progress-interval', v['progress-interval']),
        });
    const report: MigrationReport = await migrateLegacyKeys({
      client,
      store,
      namespace: v.namespace,
      legacy,
      decode: v.decode === 'raw' ? (raw) => raw : undefined,
      transform,
      codec,
      serializer,
      batchSize: integer('batch-size', v['batch-size']),
      persistentTtlMs: integer('persistent-ttl', v['persistent-ttl']),
      dryRun: v['dry-run'],
      deleteLegacy: v['delete-legacy'],
      state: fileStateStore(resolve(io.cwd, v.state ?? 'cachestack-migrate.state.json')),
      restart: v.restart,
      countTotal: !v['no-count'],
      maxBatches: integer('max-batches', v['max-batches']),
      signal: io.signal,
      onProgress: bar ? (p) => bar.update(p) : undefined,
    });
    bar?.finish({
      counts: report,
      total: report.total,
      elapsedMs: report.durationMs,
      rate: report.rate,
      etaMs: report.complete ? 0 : undefined,
    });
    if (v.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else io.stdout.write(`${summary(report)}\n`);
    if (!report.complete) return 3;
    return report.failed > 0 ? 2 : 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    io.stderr.write(`cachestack-migrate: ${code ? `${code}: ` : ''}${(error as Error).message}\n`);
    return error instanceof UsageError ? 64 : 1;
  } finally {
    await store?.close().catch(() => {});
    if (client) await client.quit().catch(() => client?.disconnect());
  }
}

function summary(r: MigrationReport): string {
  const lines = [
    `${r.dryRun ? 'dry run' : 'migration'} ${r.complete ? 'complete' : `stopped (${r.stoppedBy ?? 'early'}), rerun to resume`} in ${formatDuration(r.durationMs)}`,
    `  scanned ${r.scanned}, ${r.dryRun ? `would migrate ${r.wouldMigrate}` : `migrated ${r.migrated}`}, already present ${r.skippedExisting}, changed meanwhile ${r.skippedChanged}, expired ${r.expired}, unmapped ${r.unmapped}, failed ${r.failed}`,
  ];
  if (r.legacyDeleted + r.verifyMismatches > 0) {
    lines.push(
      `  legacy keys deleted ${r.legacyDeleted}, kept after verification ${r.verifyMismatches}`,
    );
  }
  for (const f of r.failures.slice(0, 20))
    lines.push(`  failed ${f.legacyKey}: ${f.code}: ${f.message}`);
  if (r.failed > 20)
    lines.push(`  ... ${r.failed - 20} more failures (see --json or the state file)`);
  return lines.join('\n');
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      cluster: { type: 'string' },
      prefix: { type: 'string' },
      shards: { type: 'string' },
      namespace: { type: 'string' },
      map: { type: 'string', multiple: true },
      decode: { type: 'string' },
      transform: { type: 'string' },
      'codec-module': { type: 'string' },
      'batch-size': { type: 'string' },
      'persistent-ttl': { type: 'string' },
      state: { type: 'string' },
      restart: { type: 'boolean' },
      'max-batches': { type: 'string' },
      'delete-legacy': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'no-count': { type: 'boolean' },
      'progress-interval': { type: 'string' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
