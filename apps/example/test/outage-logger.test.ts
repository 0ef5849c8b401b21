import { fakeClock } from '@cachestack/testing';
import { describe, expect, it } from 'vitest';
import {
  CACHE_BACKEND_OUTAGE,
  cacheOutageOptions,
  outageLogger,
} from '../src/logging/outage-logger.js';
import { logRecorder } from './log-recorder.js';

describe('outageLogger', () => {
  it('logs an outage as its first line, a count every summary period, and one line when it ends', () => {
    const clock = fakeClock();
    const { advance } = clock;
    const { lines, logger } = logRecorder();
    const log = outageLogger(logger, { clock, quietMs: 5000, summaryEveryMs: 30_000 });
    // A 40 s outage: "bus publish failed" 20 times a second, "lock not acquired" 10.
    for (let ms = 0; ms < 40_000; ms += 50) {
      log.warn({ err: new Error('down') }, 'cachestack: bus publish failed');
      if (ms % 100 === 0) log.child({ ns: 'users' }).warn({}, 'cachestack: lock not acquired');
      advance(50);
    }
    advance(10_000); // quiet again
    const publish = lines.filter((l) => l.msg.startsWith('cachestack: bus publish failed'));
    expect(publish.map((l) => l.obj.outage)).toEqual(['started', 'ongoing', 'ended']);
    expect(publish[2]!.obj.occurrences).toBe(800);
    const locks = lines.filter((l) => l.msg.startsWith('cachestack: lock not acquired'));
    expect(locks).toHaveLength(3);
    expect(locks[2]!.obj.occurrences).toBe(400);
    expect(lines.length).toBe(6);
  });

  it('passes a one-off warning through with no end line, and debug and info untouched', () => {
    const clock = fakeClock();
    const { advance } = clock;
    const { lines, logger } = logRecorder();
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
    const clock = fakeClock();
    const { advance } = clock;
    const { lines, logger } = logRecorder();
    const log = outageLogger(logger, { clock, quietMs: 1000 });
    log.error({}, 'cachestack: L2 call failed');
    log.error({}, 'cachestack: L2 call failed');
    advance(2000);
    log.error({}, 'cachestack: L2 call failed');
    expect(lines.map((l) => `${l.level} ${String(l.obj.outage)}`)).toEqual([
      'error started',
      'warn ended',
      'error started',
    ]);
  });

  describe('a Redis outage across circuit breaker cycles', () => {
    // What core's L2 guard logs with failureThreshold 5 and breakDurationMs 5000: five
    // failures open the circuit; every 5 s a half-open probe fails and opens it again;
    // meanwhile every bus publish fails. Then a probe succeeds and the circuit closes.
    const BREAK_MS = 5000;
    function runOutage(
      log: ReturnType<typeof outageLogger>,
      clock: ReturnType<typeof fakeClock>,
      cycles: number,
    ) {
      for (let i = 0; i < 5; i++)
        log.warn({ err: new Error('down') }, 'cachestack: L2 call failed');
      log.error({ failures: 5 }, 'cachestack: L2 circuit opened');
      for (let cycle = 0; cycle < cycles; cycle++) {
        log.warn({ err: new Error('ECONNREFUSED') }, 'redis client error'); // reconnect attempts
        for (let ms = 0; ms < BREAK_MS; ms += 250) {
          log.child({ ns: 'orders' }).warn({}, 'cachestack: bus publish failed');
          clock.advance(250);
        }
        log.warn({ err: new Error('down') }, 'cachestack: L2 call failed'); // the probe
        log.error({ failures: 1 }, 'cachestack: L2 circuit opened');
      }
      clock.advance(BREAK_MS);
      log.info({}, 'cachestack: L2 circuit closed'); // a probe got through
    }

    it('logs exactly one start and one end line for 8 open/half-open cycles, none at error', () => {
      const clock = fakeClock();
      const { lines, logger } = logRecorder();
      const log = outageLogger(logger, { ...cacheOutageOptions(BREAK_MS), clock });
      runOutage(log, clock, 8);
      clock.advance(60_000);
      const starts = lines.filter((l) => l.obj.outage === 'started');
      const ends = lines.filter((l) => l.obj.outage === 'ended');
      expect(starts.map((l) => `${l.level} ${l.msg}`)).toEqual(['warn cachestack: L2 call failed']);
      expect(ends.map((l) => `${l.level} ${l.msg.split(' — ')[0]}`)).toEqual([
        `warn ${CACHE_BACKEND_OUTAGE}`,
      ]);
      expect(ends[0]!.obj.counts).toEqual({
        'cachestack: L2 call failed': 13,
        'cachestack: L2 circuit opened': 9,
        'cachestack: bus publish failed': 160,
        'redis client error': 8,
      });
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      // In between: only the periodic counts (45 s of outage, one every 30 s).
      expect(lines.map((l) => l.obj.outage)).toEqual(['started', 'ongoing', 'ended']);
      expect(lines[1]!.obj.counts).toMatchObject({ 'cachestack: L2 circuit opened': 6 });
    });

    it('keeps the outage open while the circuit is open even when quietMs is the break duration', () => {
      const clock = fakeClock();
      const { lines, logger } = logRecorder();
      const log = outageLogger(logger, {
        ...cacheOutageOptions(BREAK_MS),
        quietMs: BREAK_MS,
        summaryEveryMs: 3_600_000,
        clock,
      });
      // No bus traffic: the only failures are the probes, one per break.
      for (let i = 0; i < 5; i++) log.warn({}, 'cachestack: L2 call failed');
      log.error({}, 'cachestack: L2 circuit opened');
      for (let cycle = 0; cycle < 5; cycle++) {
        clock.advance(BREAK_MS + 1);
        log.warn({}, 'cachestack: L2 call failed');
        log.error({}, 'cachestack: L2 circuit opened');
      }
      clock.advance(BREAK_MS + 1);
      expect(lines.map((l) => l.obj.outage)).toEqual(['started']);
      log.info({}, 'cachestack: L2 circuit closed');
      expect(lines).toHaveLength(1); // the end waits for quietMs without failures
      clock.advance(BREAK_MS);
      expect(lines.map((l) => `${l.level} ${String(l.obj.outage)}`)).toEqual([
        'warn started',
        'warn ended',
      ]);
      expect(lines[1]!.obj.occurrences).toBe(16);
    });

    it('passes the circuit closing through at info when no outage is in progress', () => {
      const clock = fakeClock();
      const { lines, logger } = logRecorder();
      const log = outageLogger(logger, { ...cacheOutageOptions(BREAK_MS), clock });
      log.info({}, 'cachestack: L2 circuit closed');
      expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
        'info cachestack: L2 circuit closed',
      ]);
    });

    it('cancels its timers when closed, and logs nothing more', () => {
      const clock = fakeClock();
      const { lines, logger } = logRecorder();
      const log = outageLogger(logger, { ...cacheOutageOptions(BREAK_MS), clock });
      log.warn({}, 'cachestack: bus publish failed');
      log.warn({}, 'cachestack: bus publish failed');
      expect(clock.pending).toBe(1);
      log[Symbol.dispose]();
      log.close();
      expect(clock.pending).toBe(0);
      clock.advance(120_000);
      expect(lines).toHaveLength(1);
    });
  });
});
