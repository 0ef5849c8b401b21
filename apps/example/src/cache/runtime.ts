import type { CacheStackConfig, CacheStackConfigInput } from '@cachestack/config';
import type { Logger } from '@cachestack/core';
import type { StatsRecorder } from '../telemetry/recorder.js';
import { CacheFacade } from './facade.js';
import { buildCacheStack, type CacheStack } from './stack.js';

/**
 * Holds the cache stack in force. A configuration change builds a new stack, moves the
 * recorder onto it, swaps it in, then closes the old one: requests already running finish
 * on the old stack, new ones use the new one.
 */
export class CacheRuntime {
  #stack: CacheStack;
  #input: CacheStackConfigInput;
  readonly #recorder: StatsRecorder;
  readonly #logger: Logger;
  readonly startedAt = Date.now();
  /** Events and stats of the cache in force, across rebuilds (metrics and health use it). */
  readonly facade: CacheFacade;
  readonly #onApply = new Set<(config: CacheStackConfig) => void>();
  generation = 1;

  constructor(
    config: CacheStackConfig,
    input: CacheStackConfigInput,
    recorder: StatsRecorder,
    logger: Logger,
  ) {
    this.#recorder = recorder;
    this.#logger = logger;
    this.#input = input;
    this.#stack = buildCacheStack(config, logger);
    this.facade = new CacheFacade(this.#stack.cache);
    this.#attach();
  }

  /** Calls `listener` after each configuration change is applied. */
  onApply(listener: (config: CacheStackConfig) => void): () => void {
    this.#onApply.add(listener);
    return () => this.#onApply.delete(listener);
  }

  /** The stack in force. */
  get stack(): CacheStack {
    return this.#stack;
  }

  /** The configuration input in force (what GET /cache/config shows). */
  get input(): CacheStackConfigInput {
    return this.#input;
  }

  #attach(): void {
    const bus = this.#stack.bus;
    this.#recorder.attach(this.#stack.cache, () => (bus ? bus.state : 'none'));
  }

  /** Applies a validated configuration by rebuilding the stack. */
  async apply(config: CacheStackConfig, input: CacheStackConfigInput): Promise<void> {
    const next = buildCacheStack(config, this.#logger);
    await withTimeout(next.ready(), 5000);
    const previous = this.#stack;
    this.#stack = next;
    this.#input = input;
    this.generation++;
    this.#attach();
    this.facade.switchTo(next.cache);
    for (const listener of this.#onApply) listener(config);
    this.#logger.info(`cache stack rebuilt (generation ${this.generation})`);
    await previous.close();
  }

  /** Closes the stack in force. */
  close(): Promise<void> {
    this.#recorder.close();
    return this.#stack.close();
  }
}

/** Waits for `promise` at most `ms` (a bus that cannot connect must not block start-up). */
export function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
