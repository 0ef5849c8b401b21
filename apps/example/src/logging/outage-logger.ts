import { type Clock, type ClockTimer, type Logger, systemClock } from '@cachestack/core';

/** Options of {@link outageLogger}. */
export interface OutageLoggerOptions {
  /**
   * A repeated warning is over once it has not recurred for this long.
   * @defaultValue `5000`
   */
  readonly quietMs?: number;
  /**
   * While a warning keeps recurring, one line with the count so far this often.
   * @defaultValue `30000`
   */
  readonly summaryEveryMs?: number;
  /** Time and timers. @defaultValue `systemClock` */
  readonly clock?: Clock;
}

interface Episode {
  readonly message: string;
  readonly startedAt: number;
  lastAt: number;
  /** Occurrences since the start, the first included. */
  count: number;
  /** Occurrences not yet reported by a summary line. */
  unreported: number;
  lastSummaryAt: number;
  timer: ClockTimer;
}

type Level = 'warn' | 'error';

/**
 * Wraps the logger given to the cache stack so that an outage logs a few lines instead of
 * one per failed call: the first occurrence of a warning or error is logged as is (the
 * outage starts), repeats of the same message are counted, a summary line with the count
 * is logged every `summaryEveryMs` while they go on, and one line says when the message
 * stopped (after `quietMs` without it) with the total. `debug` and `info` pass through.
 */
export function outageLogger(base: Logger, options: OutageLoggerOptions = {}): Logger {
  const quietMs = options.quietMs ?? 5000;
  const summaryEveryMs = options.summaryEveryMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  const episodes = new Map<string, Episode>();

  const close = (episode: Episode, log: Logger): void => {
    episodes.delete(episode.message);
    if (episode.count === 1) return; // a one-off: its own line said everything
    log.warn(
      {
        occurrences: episode.count,
        durationMs: episode.lastAt - episode.startedAt,
        outage: 'ended',
      },
      `${episode.message} — stopped after ${episode.count} occurrences over ${Math.round((episode.lastAt - episode.startedAt) / 1000)} s`,
    );
  };

  const watch = (episode: Episode, log: Logger): void => {
    const due = episode.lastAt + quietMs - clock.now();
    if (due > 0) {
      episode.timer = clock.setTimeout(() => watch(episode, log), due);
      return;
    }
    close(episode, log);
  };

  const wrap = (log: Logger): Logger => {
    const report = (level: Level, obj: object | string, msg?: string): void => {
      const message = typeof obj === 'string' ? obj : (msg ?? '');
      const now = clock.now();
      const episode = episodes.get(message);
      if (episode === undefined) {
        const fresh: Episode = {
          message,
          startedAt: now,
          lastAt: now,
          count: 1,
          unreported: 0,
          lastSummaryAt: now,
          timer: clock.setTimeout(() => watch(fresh, log), quietMs),
        };
        episodes.set(message, fresh);
        log[level](obj as object, msg);
        return;
      }
      episode.count++;
      episode.unreported++;
      episode.lastAt = now;
      if (now - episode.lastSummaryAt >= summaryEveryMs) {
        log.warn(
          { occurrences: episode.count, sinceMs: now - episode.startedAt, outage: 'ongoing' },
          `${message} — still happening: ${episode.unreported} more in the last ${Math.round((now - episode.lastSummaryAt) / 1000)} s, ${episode.count} since it started`,
        );
        episode.unreported = 0;
        episode.lastSummaryAt = now;
      }
    };
    return {
      debug: (obj, msg) => log.debug(obj as object, msg),
      info: (obj, msg) => log.info(obj as object, msg),
      warn: (obj, msg) => report('warn', obj, msg),
      error: (obj, msg) => report('error', obj, msg),
      child: (bindings) => wrap(log.child(bindings)),
    };
  };
  return wrap(base);
}
