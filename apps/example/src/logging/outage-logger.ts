import { type Clock, type ClockTimer, type Logger, systemClock } from '@cachestack/core';

/** A message that holds its outage open until another message says it is over. */
export interface OutageHold {
  /** Starts (or renews) the hold, e.g. `'cachestack: L2 circuit opened'`. */
  readonly start: string;
  /** Releases it, at any level, e.g. `'cachestack: L2 circuit closed'` (info). */
  readonly end: string;
}

/** Options of {@link outageLogger}. */
export interface OutageLoggerOptions {
  /**
   * An outage is over once none of its messages has recurred for this long. Keep it above
   * a circuit breaker's break duration, so that each failed half-open probe (one failure
   * per break) counts as the same outage rather than starting a new one.
   * @defaultValue `15000`
   */
  readonly quietMs?: number;
  /**
   * While an outage goes on, one line with the counts so far this often.
   * @defaultValue `30000`
   */
  readonly summaryEveryMs?: number;
  /**
   * The outage a warning or error belongs to: messages with the same answer are one
   * outage (one start line, one end line, counts per message in between).
   * @defaultValue each message is its own outage
   */
  readonly outageOf?: (message: string) => string;
  /**
   * Messages that keep their outage open whatever `quietMs` says until their `end` message
   * (a circuit breaker's open → closed): the quiet period only starts at the `end`.
   * @defaultValue `[]`
   */
  readonly holds?: readonly OutageHold[];
  /** Time and timers. @defaultValue `systemClock` */
  readonly clock?: Clock;
}

/** A logger that also owns timers: dispose it (or `close()`) when the app closes. */
export interface OutageLogger extends Logger {
  /** Cancels the timers of the outages in progress (no end lines). Idempotent. */
  close(): void;
  /** Same as `close()`. */
  [Symbol.dispose](): void;
}

interface Episode {
  readonly outage: string;
  readonly startedAt: number;
  lastAt: number;
  /** Occurrences since the start, the first included. */
  count: number;
  /** Occurrences per message since the start. */
  readonly counts: Map<string, number>;
  /** Occurrences not yet reported by a summary line. */
  unreported: number;
  lastSummaryAt: number;
  /** Holds in force (their start messages), which keep the episode open. */
  readonly held: Set<string>;
  timer: ClockTimer | undefined;
}

type Level = 'warn' | 'error';

/**
 * Wraps a logger so that an outage logs a few lines instead of one per failed call: the
 * first warning or error of an outage is logged as is (the outage starts), later ones of the
 * same outage (see `outageOf`) are only counted, a summary line with the counts is logged
 * every `summaryEveryMs` while they go on, and one warning says when the outage ended (after
 * `quietMs` without any of its messages, and after every hold was released) with the
 * totals. `debug` and `info` pass through, except a hold's `end` message while its outage
 * is in progress (the end line says it).
 */
export function outageLogger(base: Logger, options: OutageLoggerOptions = {}): OutageLogger {
  const quietMs = options.quietMs ?? 15_000;
  const summaryEveryMs = options.summaryEveryMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  const outageOf = options.outageOf ?? ((message: string) => message);
  const holdStarts = new Map<string, OutageHold>();
  const holdEnds = new Map<string, OutageHold>();
  for (const hold of options.holds ?? []) {
    holdStarts.set(hold.start, hold);
    holdEnds.set(hold.end, hold);
  }
  const episodes = new Map<string, Episode>();
  let closed = false;

  const end = (episode: Episode, log: Logger): void => {
    episodes.delete(episode.outage);
    if (episode.count === 1 && episode.held.size === 0) return; // a one-off: its line said it all
    const seconds = Math.round((episode.lastAt - episode.startedAt) / 1000);
    log.warn(
      {
        occurrences: episode.count,
        counts: Object.fromEntries(episode.counts),
        durationMs: episode.lastAt - episode.startedAt,
        outage: 'ended',
      },
      `${episode.outage} — stopped after ${episode.count} occurrences over ${seconds} s`,
    );
  };

  const watch = (episode: Episode, log: Logger): void => {
    episode.timer = undefined;
    if (closed || episode.held.size > 0) return; // the hold's end re-arms the watch
    const due = episode.lastAt + quietMs - clock.now();
    if (due > 0) {
      episode.timer = clock.setTimeout(() => watch(episode, log), due);
      return;
    }
    end(episode, log);
  };

  const arm = (episode: Episode, log: Logger): void => {
    if (episode.timer === undefined && !closed) {
      episode.timer = clock.setTimeout(() => watch(episode, log), quietMs);
    }
  };

  const wrap = (log: Logger): Logger => {
    const report = (level: Level, obj: object | string, msg?: string): void => {
      const message = typeof obj === 'string' ? obj : (msg ?? '');
      const outage = outageOf(message);
      const now = clock.now();
      let episode = episodes.get(outage);
      const first = episode === undefined;
      if (episode === undefined) {
        episode = {
          outage,
          startedAt: now,
          lastAt: now,
          count: 0,
          counts: new Map(),
          unreported: -1, // the start line reports the first
          lastSummaryAt: now,
          held: new Set(),
          timer: undefined,
        };
        episodes.set(outage, episode);
      }
      episode.count++;
      episode.unreported++;
      episode.counts.set(message, (episode.counts.get(message) ?? 0) + 1);
      episode.lastAt = now;
      if (holdStarts.has(message)) episode.held.add(message);
      arm(episode, log);
      if (first) {
        if (typeof obj === 'string') log[level]({ outage: 'started' }, obj);
        else log[level]({ ...obj, outage: 'started' }, msg);
        return;
      }
      if (now - episode.lastSummaryAt >= summaryEveryMs) {
        const seconds = Math.round((now - episode.lastSummaryAt) / 1000);
        log.warn(
          {
            occurrences: episode.count,
            counts: Object.fromEntries(episode.counts),
            sinceMs: now - episode.startedAt,
            outage: 'ongoing',
          },
          `${outage} — still happening: ${episode.unreported} more in the last ${seconds} s, ${episode.count} since it started`,
        );
        episode.unreported = 0;
        episode.lastSummaryAt = now;
      }
    };
    const pass = (level: 'debug' | 'info', obj: object | string, msg?: string): void => {
      const message = typeof obj === 'string' ? obj : (msg ?? '');
      const hold = holdEnds.get(message);
      const episode = hold === undefined ? undefined : episodes.get(outageOf(hold.start));
      if (hold !== undefined && episode?.held.delete(hold.start)) {
        // Released: the outage ends once it has been quiet for quietMs from now.
        episode.lastAt = clock.now();
        arm(episode, log);
        return;
      }
      log[level](obj as object, msg);
    };
    return {
      debug: (obj, msg) => pass('debug', obj, msg),
      info: (obj, msg) => pass('info', obj, msg),
      warn: (obj, msg) => report('warn', obj, msg),
      error: (obj, msg) => report('error', obj, msg),
      child: (bindings) => wrap(log.child(bindings)),
    };
  };

  const close = (): void => {
    closed = true;
    for (const episode of episodes.values()) {
      if (episode.timer !== undefined) clock.clearTimeout(episode.timer);
      episode.timer = undefined;
    }
    episodes.clear();
  };
  return Object.assign(wrap(base), { close, [Symbol.dispose]: close });
}

/** The one outage every L2, bus and lock failure of the cache stack belongs to. */
export const CACHE_BACKEND_OUTAGE = 'cachestack: cache backend (L2, bus, locks) failing';

const CACHE_BACKEND_MESSAGES = new Set([
  'cachestack: L2 call failed',
  'cachestack: L2 circuit opened',
  'cachestack: bus publish failed',
  'cachestack: bus disconnected, bypassing L1',
  'cachestack: lock not acquired, loading without it',
  // The Redis clients' own connection errors (redis store, lock client) during the same outage.
  'redis client error',
  'lock client error',
]);

/**
 * Options for the cache stack's logger: L2, bus and lock failures are one outage, held
 * open from the L2 circuit opening until it closes (its half-open probes fail once per
 * break), and quiet for longer than a break before it ends.
 */
export function cacheOutageOptions(breakDurationMs: number): OutageLoggerOptions {
  return {
    quietMs: Math.max(15_000, 3 * breakDurationMs),
    outageOf: (message) => (CACHE_BACKEND_MESSAGES.has(message) ? CACHE_BACKEND_OUTAGE : message),
    holds: [{ start: 'cachestack: L2 circuit opened', end: 'cachestack: L2 circuit closed' }],
  };
}
