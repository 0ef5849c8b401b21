import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type PrivateRedis, startPrivateRedis } from './redis-server.js';

/** A private Redis Cluster of local `redis-server` processes (masters only). */
export interface PrivateCluster {
  /** The nodes, in the order their ports were given to `redis-cli --cluster create`. */
  readonly nodes: readonly PrivateRedis[];
  /** `{ host, port }` of every node, for ioredis `new Cluster(startupNodes)`. */
  readonly startupNodes: readonly { host: string; port: number }[];
  /** Stops every node and removes the cluster's working directory. */
  stop(): Promise<void>;
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await listens(port)) && (await listens(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

/** Whether an executable `name` is on PATH. */
async function onPath(name: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Fails at once, naming what is missing, instead of midway through starting nodes. */
async function assertBinaries(): Promise<void> {
  const needed = ['redis-server', 'redis-cli'];
  const found = await Promise.all(needed.map(onPath));
  const missing = needed.filter((_, i) => !found[i]);
  if (missing.length > 0) {
    throw new Error(
      `startPrivateCluster needs redis-server and redis-cli on PATH; missing: ${missing.join(', ')} ` +
        '(e.g. apt-get install redis-server redis-tools)',
    );
  }
}

function redisCli(args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`redis-cli ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Starts `size` (>= 3) `redis-server` processes in cluster mode on free ports, joins
 * them with `redis-cli --cluster create` (no replicas) and waits until every node
 * reports `cluster_state:ok`. Needs `redis-server` and `redis-cli` on PATH.
 */
export async function startPrivateCluster(size = 3): Promise<PrivateCluster> {
  if (!Number.isInteger(size) || size < 3) throw new Error('a cluster needs at least 3 masters');
  await assertBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'cachestack-cluster-'));
  const taken = new Set<number>();
  const nodes: PrivateRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await freeClusterPort(taken);
      nodes.push(
        await startPrivateRedis({
          port,
          dir,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      );
    }
    await redisCli([
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + 30_000;
    for (const node of nodes) {
      for (;;) {
        const info = await redisCli(['-p', String(node.port), 'cluster', 'info']);
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} never became ok`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    stop,
  };
}
