import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FileStoreError } from './errors.js';
import type { SweepOptions, SweepReport } from './sweep.js';

/**
 * The main-thread side of the cleaner: owns one worker thread (unref'd, so it never
 * keeps the process alive), sends it sweep requests one at a time and relays reports.
 */
export class Cleaner {
  #worker: Worker | undefined;
  #nextId = 1;
  #current: Promise<SweepReport> | undefined;
  readonly #waiting = new Map<
    number,
    { resolve: (r: SweepReport) => void; reject: (e: unknown) => void }
  >();
  #stopped = false;

  /** Runs one sweep on the worker; concurrent callers share the sweep in progress. */
  sweep(options: SweepOptions): Promise<SweepReport> {
    if (this.#current) return this.#current;
    const current = this.#run(options).finally(() => {
      if (this.#current === current) this.#current = undefined;
    });
    this.#current = current;
    return current;
  }

  /** Whether a sweep is in progress. */
  get busy(): boolean {
    return this.#current !== undefined;
  }

  #run(options: SweepOptions): Promise<SweepReport> {
    if (this.#stopped) return Promise.reject(new FileStoreError('file store cleaner is stopped'));
    const worker = this.#ensure();
    const id = this.#nextId++;
    return new Promise<SweepReport>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ type: 'sweep', id, options });
    });
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(workerUrl());
    worker.unref();
    worker.on(
      'message',
      (m: { type: string; id: number; report?: SweepReport; message?: string; code?: string }) => {
        const waiter = this.#waiting.get(m.id);
        if (!waiter) return;
        this.#waiting.delete(m.id);
        if (m.type === 'report' && m.report) waiter.resolve(m.report);
        else
          waiter.reject(
            new FileStoreError(`sweep failed: ${m.message}`, { errno: m.code, operation: 'sweep' }),
          );
      },
    );
    const failAll = (error: unknown) => {
      for (const w of this.#waiting.values()) w.reject(error);
      this.#waiting.clear();
      this.#worker = undefined;
    };
    worker.on('error', (error) =>
      failAll(new FileStoreError(`cleaner worker failed: ${error.message}`, { cause: error })),
    );
    worker.on('exit', () => failAll(new FileStoreError('cleaner worker exited')));
    this.#worker = worker;
    return worker;
  }

  /** Stops the worker after the sweep in progress (or at once after `timeoutMs`). */
  async stop(timeoutMs = 2000): Promise<void> {
    this.#stopped = true;
    const worker = this.#worker;
    if (!worker) return;
    if (this.#current) {
      await Promise.race([
        this.#current.catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    }
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), timeoutMs);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The compiled worker file next to this module. When this module runs from TypeScript
 * sources (the package's own tests), the sibling `.js` does not exist and the built
 * `dist/` copy is used instead.
 */
function workerUrl(): URL {
  const sibling = new URL('./cleaner-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL('../dist/cleaner-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new FileStoreError(
    `cleaner worker not found at ${fileURLToPath(sibling)}; build the package first`,
  );
}
