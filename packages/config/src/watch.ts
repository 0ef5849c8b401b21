import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ClosedError, type Logger, noopLogger } from '@cachestack/core';
import { TypedEmitter } from '@cachestack/core/kit';
import { ConfigFileError } from './errors.js';
import { type LoadConfigOptions, loadConfig, readConfigText, resolveFromText } from './load.js';
import type { CacheStackConfig, ConfigIssue, ConfigWarning } from './types.js';

/** Options of {@link watchConfig}: those of `loadConfig` (but `file`) plus the watcher's. */
export interface WatchConfigOptions extends Omit<LoadConfigOptions, 'file'> {
  /**
   * Quiet period after the last file-system event before the file is read, so that a
   * burst of writes (editors, deploy tools) causes one reload.
   * @defaultValue 100
   */
  readonly debounceMs?: number;
  /** Receives rejected changes and read errors. @defaultValue a no-op logger */
  readonly logger?: Logger;
}

/** Payload of the `change` event and argument of the `onChange` callback. */
export interface ConfigChange {
  /** The new configuration, complete and deeply frozen. */
  readonly config: CacheStackConfig;
  /** The configuration it replaced. */
  readonly previous: CacheStackConfig;
  /** Corrections applied and keys ignored in the new configuration. */
  readonly warnings: readonly ConfigWarning[];
}

/** Payload of the `rejected` event: the change was invalid and the last good configuration stays. */
export interface ConfigRejection {
  readonly file: string;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigWarning[];
}

/** Events of a {@link ConfigWatcher}. */
export interface ConfigWatcherEventMap {
  /** A valid change was applied. */
  change: ConfigChange;
  /** An invalid change was rejected (the last good configuration stays in force). */
  rejected: ConfigRejection;
  /**
   * The file could not be read (`operation: 'read'`), the watch failed (`'watch'`), or
   * `onChange` threw (`'onChange'`).
   */
  error: { readonly operation: 'read' | 'watch' | 'onChange'; readonly error: Error };
}

/** A hot-reloading configuration. */
export interface ConfigWatcher {
  /** The configuration in force. @throws ClosedError after `close()`. */
  current(): CacheStackConfig;
  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof ConfigWatcherEventMap>(
    event: E,
    listener: (payload: ConfigWatcherEventMap[E]) => void,
  ): () => void;
  /**
   * Reads and applies the file now (reloads never overlap). Resolves to `true` when a
   * new configuration was applied. @throws ClosedError after `close()`.
   */
  reload(): Promise<boolean>;
  /** Stops watching. Idempotent. */
  close(): void;
  /** Same as {@link ConfigWatcher.close}, for `using`. */
  [Symbol.dispose](): void;
}

/**
 * Loads `file` (like `loadConfig`) and watches it. Each change is read after a quiet
 * period, validated with the same layers (profile, environment, overrides), and, when
 * valid and different, swapped in as a whole before `onChange` is called with it.
 * An invalid change emits `rejected` and leaves the last good configuration in force.
 *
 * The directory is watched rather than the file, so that editors that save by
 * renaming a temporary file are followed. The watcher does not keep the process alive.
 *
 * @throws ConfigFileError / ConfigValidationError when the initial load fails.
 */
export function watchConfig(
  file: string,
  onChange: (config: CacheStackConfig, change: ConfigChange) => void,
  options: WatchConfigOptions = {},
): ConfigWatcher {
  const path = resolve(file);
  const name = basename(path);
  const debounceMs = options.debounceMs ?? 100;
  const logger = options.logger ?? noopLogger;
  const loadOptions: LoadConfigOptions = { ...options, file: path };
  let config = loadConfig(loadOptions).config;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let waiting: Promise<boolean> | undefined;
  const events = new TypedEmitter<ConfigWatcherEventMap>();

  const fail = (operation: 'read' | 'watch' | 'onChange', error: Error) => {
    logger.error({ err: error, file: path, operation }, 'config reload failed');
    events.emit('error', { operation, error });
  };

  const apply = async (): Promise<boolean> => {
    let text: string;
    try {
      text = await readConfigText(path);
    } catch (error) {
      if (!closed)
        fail('read', error instanceof Error ? error : new ConfigFileError(path, String(error)));
      return false;
    }
    if (closed) return false;
    const result = resolveFromText(loadOptions, text);
    if (!result.valid) {
      logger.warn({ file: path, errors: result.errors }, 'config change rejected');
      events.emit('rejected', { file: path, errors: result.errors, warnings: result.warnings });
      return false;
    }
    if (isDeepStrictEqual(result.config, config)) return false;
    const previous = config;
    config = result.config;
    const change: ConfigChange = { config, previous, warnings: result.warnings };
    try {
      onChange(config, change);
    } catch (error) {
      fail('onChange', error instanceof Error ? error : new Error(String(error)));
    }
    events.emit('change', change);
    return true;
  };

  const reload = (): Promise<boolean> => {
    if (closed) return Promise.reject(new ClosedError('config watcher'));
    // Reloads run one at a time; requests made while one waits share it.
    if (!waiting) {
      const next = chain.then(() => {
        waiting = undefined;
        return apply();
      });
      waiting = next;
      chain = next.catch(() => undefined);
    }
    return waiting;
  };

  let fsWatcher: FSWatcher | undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    fsWatcher?.close();
    events.clear();
  };
  try {
    fsWatcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      if (closed || (changed !== null && changed !== name)) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!closed) reload().catch(() => undefined);
      }, debounceMs);
    });
    fsWatcher.on('error', (error) => fail('watch', error));
  } catch (error) {
    throw new ConfigFileError(path, `cannot watch: ${(error as Error).message}`, { cause: error });
  }

  return {
    current() {
      if (closed) throw new ClosedError('config watcher');
      return config;
    },
    on(event, listener) {
      // Core's kit emitter isolates listeners; a throwing one is logged here.
      return events.on(event, (payload) => {
        try {
          listener(payload);
        } catch (error) {
          logger.error({ err: error, event }, 'config watcher listener threw');
        }
      });
    },
    reload,
    close,
    [Symbol.dispose]: close,
  };
}
