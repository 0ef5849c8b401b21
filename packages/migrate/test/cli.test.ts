import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisUrl, uniquePrefix } from '@cachestack/test-suite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport, MigrationState } from '../src/index.js';
import { deleteKeys, readNew, writeLegacy } from './helpers.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');
const prefix = uniquePrefix('migrate-cli');
let client: Redis;
let dir: string;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI; `onStderrLine` may kill the child. */
function cli(
  args: readonly string[],
  onStderrLine?: (line: string, child: ChildProcess) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, REDIS_URL: redisUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onStderrLine?.(line, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const scanned = (line: string) => Number(/ (\d+)\/\d+ /.exec(line)?.[1] ?? -1);

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the package first: ${BIN} is missing (pnpm build)`);
  client = new Redis(redisUrl());
  dir = await mkdtemp(join(tmpdir(), 'cachestack-migrate-cli-'));
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  await client.quit();
  await rm(dir, { recursive: true, force: true });
});

describe('cachestack-migrate', () => {
  it('prints usage, and rejects missing options with exit code 64', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: cachestack-migrate');
    const bad = await cli(['--namespace', 'x', '--map', 'a:{id}=b:{id}']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('CACHESTACK_MIGRATE_USAGE');
    const unknown = await cli(['--frobnicate']);
    expect(unknown.code).toBe(64);
  });

  it('migrates with a transform module, reports failures as JSON and deletes verified legacy keys', async () => {
    const head = `${prefix}:t`;
    await writeLegacy(
      client,
      Array.from({ length: 30 }, (_, i) => ({
        key: `${head}:${i}`,
        raw: JSON.stringify({ i }),
        ttlMs: 60_000,
      })),
    );
    await writeFile(
      join(dir, 'transform.mjs'),
      "export function transform(value) { if (value.i % 10 === 5) throw new Error('bad ' + value.i); return { ...value, v: 2 }; }\n",
    );
    const args = [
      '--prefix',
      prefix,
      '--namespace',
      'cli',
      '--map',
      `${head}:{id}=item:{id}`,
      '--transform',
      './transform.mjs',
      '--delete-legacy',
      '--json',
      '--state',
      'transform.json',
    ];
    const run = await cli(args);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as MigrationReport;
    expect(report).toMatchObject({ complete: true, migrated: 27, failed: 3, legacyDeleted: 27 });
    expect(report.failures.map((f) => f.legacyKey).sort()).toEqual([
      `${head}:15`,
      `${head}:25`,
      `${head}:5`,
    ]);
    expect(await client.get(`${head}:5`)).toBe('{"i":5}');
    expect((await readNew(client, prefix, 'cli', 'item:7'))?.value).toEqual({ i: 7, v: 2 });
    // Non-TTY stderr gets plain progress lines with rate and ETA.
    expect(run.stderr).toMatch(/cachestack-migrate .*keys\/s \| ETA/);
    expect(run.stderr).not.toContain('\r');
  });

  it('dry run writes nothing', async () => {
    const head = `${prefix}:d`;
    await writeLegacy(
      client,
      [1, 2, 3].map((i) => ({ key: `${head}:${i}`, raw: '1', ttlMs: 60_000 })),
    );
    const run = await cli([
      '--prefix',
      prefix,
      '--namespace',
      'dry',
      '--map',
      `${head}:{id}=k:{id}`,
      '--dry-run',
      '--quiet',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('would migrate 3');
    expect(await readNew(client, prefix, 'dry', 'k:1')).toBeUndefined();
  });

  it('resumes after SIGKILL: every key migrated, none written twice, counts add up', async () => {
    const head = `${prefix}:k`;
    const n = 20_000;
    await writeLegacy(
      client,
      Array.from({ length: n }, (_, i) => ({
        key: `${head}:${i}`,
        raw: String(i),
        ttlMs: 120_000,
      })),
    );
    const args = [
      '--prefix',
      prefix,
      '--namespace',
      'kill',
      '--map',
      `${head}:{id}=n:{id}`,
      '--batch-size',
      '200',
      '--progress-interval',
      '0',
      '--state',
      'kill.json',
      '--json',
    ];
    const killed = await cli(args, (line, child) => {
      if (scanned(line) >= 4000) child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    const saved = JSON.parse(await readFile(join(dir, 'kill.json'), 'utf8')) as MigrationState;
    expect(saved.passes[0]?.done).toBe(false);
    expect(saved.counts.migrated).toBeGreaterThan(0);
    expect(saved.counts.migrated).toBeLessThan(n);

    const resumeStart = Date.now();
    const resumed = await cli(args);
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as MigrationReport;
    expect(report).toMatchObject({ complete: true, resumed: true, failed: 0 });
    expect(report.migrated + report.skippedExisting + report.skippedChanged + report.expired).toBe(
      report.scanned,
    );
    // Keys written after the last saved batch of the killed run are found present on resume.
    expect(report.migrated + report.skippedExisting).toBeGreaterThanOrEqual(n);

    let writtenByResume = 0;
    const ids = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n; i += 1000) {
      const entries = await Promise.all(
        ids.slice(i, i + 1000).map((id) => readNew(client, prefix, 'kill', `n:${id}`)),
      );
      entries.forEach((entry, j) => {
        expect(entry?.value).toBe(i + j);
        if (entry!.createdAt >= resumeStart) writtenByResume++;
      });
    }
    // The resumed run wrote exactly the keys it counted; no key of the killed run was rewritten.
    expect(writtenByResume).toBe(report.migrated - saved.counts.migrated);
    // A rerun with the completed state changes nothing.
    const again = JSON.parse((await cli(args)).stdout) as MigrationReport;
    expect(again.migrated).toBe(report.migrated);
  });
});
