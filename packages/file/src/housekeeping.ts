import { fileChannels } from './channels.js';
import { Cleaner } from './cleaner.js';
import type { FileStoreEvents, FileStoreStats } from './file-events.js';
import type { ResolvedOptions } from './options.js';
import type { SweepReport } from './sweep.js';

/** What {@link Housekeeping} needs from the store. */
export interface HousekeepingOptions {
  readonly o: ResolvedOptions;
  readonly events: FileStoreEvents;
  readonly stats: FileStoreStats;
  /** Prunes dangling tag markers of a namespace directory, under its lock. */
  readonly prune: (root: string, markers: readonly string[]) => Promise<unknown>;
}

/**
 * Schedules cleaner passes (on the interval, when writes push the total past the budget,
 * when the disk is full, or on request), runs them one at a time on the cleaner's worker
 * thread, and turns their reports into stats, events and telemetry.
 */
export class Housekeeping {
  readonly #h: HousekeepingOptions;
  readonly #cleaner = new Cleaner();
  #timer: ReturnType<typeof setInterval> | undefined;
  #bytesSinceSweep = 0;
  #sweeping: Promise<SweepReport> | undefined;
  #stopped = false;

  constructor(options: HousekeepingOptions) {
    this.#h = options;
    if (options.o.sweepIntervalMs > 0) {
      this.#timer = setInterval(() => this.background(), options.o.sweepIntervalMs);
      this.#timer.unref();
    }
  }

  /** Records bytes written; starts a pass when the budget is probably exceeded. */
  written(bytes: number): void {
    this.#bytesSinceSweep += bytes;
    if (this.#h.stats.bytes + this.#bytesSinceSweep > this.#h.o.maxBytes) this.background();
  }

  /** Starts a pass unless one is running; failures are reported as `error` events. */
  background(): void {
    if (this.#stopped || this.#sweeping) return;
    this.#sweep().catch((error: Error) => {
      this.#h.stats.errors++;
      this.#h.events.emit('error', { operation: 'sweep', error });
    });
  }

  /** Runs a pass that starts after this call (waits for the one running, if any). */
  async sweep(): Promise<SweepReport> {
    await this.#sweeping?.catch(() => {});
    return this.#sweep();
  }

  /** Stops the timer and the worker (after the pass in progress). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#cleaner.stop();
  }

  #sweep(): Promise<SweepReport> {
    if (this.#sweeping) return this.#sweeping;
    const sweeping = this.#run().finally(() => {
      if (this.#sweeping === sweeping) this.#sweeping = undefined;
    });
    this.#sweeping = sweeping;
    return sweeping;
  }

  async #run(): Promise<SweepReport> {
    const { o, events, stats: s } = this.#h;
    this.#bytesSinceSweep = 0;
    const report = await this.#cleaner.sweep({
      dir: o.dir,
      levels: o.fanOut.length,
      now: o.now(),
      maxBytes: o.maxBytes,
      evictToRatio: o.evictToRatio,
      tmpMaxAgeMs: o.tmpMaxAgeMs,
    });
    s.sweeps++;
    s.files = report.files;
    s.bytes = report.bytes;
    s.expired += report.expired;
    s.evicted += report.evicted;
    s.evictedBytes += report.evictedBytes;
    if (report.corrupt > 0) {
      s.corrupt += report.corrupt;
      events.emit('corrupt', { path: o.dir, reason: `${report.corrupt} found by the cleaner` });
    }
    if (report.expired > 0) events.emit('expire', { count: report.expired });
    if (report.evicted > 0) {
      events.emit('evict', { count: report.evicted, bytes: report.evictedBytes });
    }
    for (const { root, markers } of report.dangling) {
      if (this.#stopped) break;
      await this.#h.prune(root, markers).catch((error: Error) => {
        events.emit('error', { operation: 'prune', error });
      });
    }
    events.emit('sweep', report);
    if (fileChannels.sweep.hasSubscribers) {
      const { files, bytes, expired, evicted, corrupt, durationMs } = report;
      fileChannels.sweep.publish({ files, bytes, expired, evicted, corrupt, durationMs });
    }
    return report;
  }
}
