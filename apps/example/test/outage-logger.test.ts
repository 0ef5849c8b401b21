import type { Clock, ClockTimer, Logger } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { outageLogger } from '../src/logging/outage-logger.js';

function manualClock() {
  let time = 0;
  const timers = new Set<{ at: number; run: () => void }>();
  const clock: Clock = {
    now: () => time,
    monotonic: () => time,
    setTimeout(run, delayMs): ClockTimer {
      const timer = { at: time + delayMs, run };
      timers.add(timer);
      return timer;
    },
    clearTimeout(timer) {
      timers.delete(timer as { at: number; run: () => void });
    },
  };
  const advance = (ms: number) => {
    const end = time + ms;
    for (;;) {
      const due = [...timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      time = due.at;
      timers.delete(due);
      due.run();
    }
    time = end;
  };
  return { clock, advance };
}

function recorder() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const log = (level: string) => (obj: object | string, msg?: string) =>
    lines.push(
      typeof obj === 'string'
        ? { level, msg: obj, obj: {} }
        : { level, msg: msg ?? '', obj: obj as Record<string, unknown> },
    );
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return { lines, logger };
}

describe('outageLogger', () => {
  it('logs an outage as its first line, a count every summary period, and one line when it ends', () => {
    const { clock, advance } = manualClock();
    const { lines, logger } = recorder();
    const log = outageLogger(logger, { clock, quietMs: 5000, summaryEveryMs: 30_000 });
    // A 40 s outage: "bus publish failed" 20 times a second, "lock not acquired" 10.
    for (let ms = 0; ms < 40_000; ms += 50) {
      log.warn({ err: new Error('down') }, 'cachestack: bus publish failed');
      if (ms % 100 === 0) log.child({ ns: 'users' }).warn({}, 'cachestack: lock not acquired');
      advance(50);
    }
    advance(10_000); // quiet again
    const publish = lines.filter((l) => l.msg.startsWith('cachestack: bus publish failed'));
    expect(publish.map((l) => l.obj.outage)).toEqual([undefined, 'ongoing', 'ended']);
    expect(publish[2]!.obj.occurrences).toBe(800);
    const locks = lines.filter((l) => l.msg.startsWith('cachestack: lock not acquired'));
    expect(locks).toHaveLength(3);
    expect(locks[2]!.obj.occurrences).toBe(400);
    expect(lines.length).toBe(6);
  });

  it('passes a one-off warning through with no end line, and debug and info untouched', () => {
    const { clock, advance } = manualClock();
    const { lines, logger } = recorder();
    const log = outageLogger(logger, { clock });
    log.warn('cachestack: corrupt L2 entry deleted');
    log.info({}, 'cache stack rebuilt');
    log.info({}, 'cache stack rebuilt');
    advance(60_000);
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn cachestack: corrupt L2 entry deleted',
      'info cache stack rebuilt',
      'info cache stack rebuilt',
    ]);
  });

  it('starts a new outage after the previous one ended', () => {
    const { clock, advance } = manualClock();
    const { lines, logger } = recorder();
    const log = outageLogger(logger, { clock, quietMs: 1000 });
    log.error({}, 'cachestack: L2 call failed');
    log.error({}, 'cachestack: L2 call failed');
    advance(2000);
    log.error({}, 'cachestack: L2 call failed');
    expect(lines.map((l) => l.obj.outage ?? l.level)).toEqual(['error', 'ended', 'error']);
  });
});
