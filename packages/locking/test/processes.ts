import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = `${here}fixtures/`;
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Fails clearly when the package has not been built (the children import dist). */
export function assertBuilt(): void {
  if (!existsSync(dist)) throw new Error('build @cachestack/locking first (children import dist)');
}

/** A spawned worker with a line reader over its stdout. */
export interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves the next stdout line. */
  nextLine(): Promise<string>;
  /** Resolves the exit code. */
  readonly exited: Promise<number | null>;
}

/** Spawns `node` on a fixture: `lock-worker.mjs` by default, `single-flight-worker.mjs` for 'single-flight'. */
export function spawnWorker(args: readonly string[]): Worker {
  const script =
    args[0] === 'single-flight'
      ? [`${fixtures}single-flight-worker.mjs`, ...args.slice(1)]
      : [`${fixtures}lock-worker.mjs`, ...args];
  const child = spawn(process.execPath, script, { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      if (code !== 0 && stderr) process.stderr.write(`worker stderr: ${stderr}\n`);
      resolve(code);
    });
  });
  return {
    child,
    exited,
    nextLine: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise<string>((resolve, reject) => {
        waiting.push(resolve);
        exited.then((code) => reject(new Error(`worker exited (${code}): ${stderr}`)));
      });
    },
  };
}
