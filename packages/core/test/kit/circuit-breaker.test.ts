import { fakeClock } from '@cachestack/testing';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState, clockFromNow } from '../../src/kit/index.js';

function breaker(clock = fakeClock()) {
  const changes: { state: CircuitState; failures: number; openUntil: number }[] = [];
  const circuit = new CircuitBreaker({
    failureThreshold: 3,
    breakDurationMs: 1_000,
    clock,
    onStateChange: (state, failures, openUntil) => changes.push({ state, failures, openUntil }),
  });
  return { clock, circuit, changes };
}

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and refuses calls', () => {
    const { clock, circuit, changes } = breaker();
    circuit.failure();
    circuit.failure();
    expect(circuit.allow()).toBe(true);
    circuit.failure();
    expect(circuit.state).toBe('open');
    expect(circuit.allow()).toBe(false);
    expect(changes).toEqual([{ state: 'open', failures: 3, openUntil: clock.now() + 1_000 }]);
  });

  it('a success in between resets the count of consecutive failures', () => {
    const { circuit } = breaker();
    circuit.failure();
    circuit.failure();
    circuit.success();
    circuit.failure();
    circuit.failure();
    expect(circuit.state).toBe('closed');
  });

  it('lets one probe through after the break and closes when it succeeds', () => {
    const { clock, circuit, changes } = breaker();
    for (let i = 0; i < 3; i++) circuit.failure();
    clock.advance(999);
    expect(circuit.allow()).toBe(false);
    clock.advance(1);
    expect(circuit.allow()).toBe(true);
    expect(circuit.state).toBe('half-open');
    expect(circuit.allow()).toBe(false); // one probe at a time
    circuit.success();
    expect(circuit.state).toBe('closed');
    expect(changes.map((change) => change.state)).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again for a full break when the probe fails', () => {
    const { clock, circuit } = breaker();
    for (let i = 0; i < 3; i++) circuit.failure();
    clock.advance(1_000);
    expect(circuit.allow()).toBe(true);
    circuit.failure();
    expect(circuit.state).toBe('open');
    expect(circuit.openUntil).toBe(clock.now() + 1_000);
    clock.advance(999);
    expect(circuit.allow()).toBe(false);
  });

  it('does not extend the break for failures of calls already in flight when it opened', () => {
    const { clock, circuit } = breaker();
    for (let i = 0; i < 3; i++) circuit.failure();
    const openUntil = circuit.openUntil;
    clock.advance(500);
    circuit.failure();
    expect(circuit.openUntil).toBe(openUntil);
    clock.advance(500);
    expect(circuit.state).toBe('half-open');
  });

  it('still accepts the deprecated now option as its time source', () => {
    let t = 10_000;
    const circuit = new CircuitBreaker({ failureThreshold: 1, breakDurationMs: 100, now: () => t });
    circuit.failure();
    expect(circuit.openUntil).toBe(10_100);
    t += 100;
    expect(circuit.state).toBe('half-open');
  });
});

describe('clockFromNow', () => {
  it('moves a breaker with a fake now function for both wall and monotonic time', () => {
    let t = 5_000;
    const clock = clockFromNow(() => t);
    expect([clock.now(), clock.monotonic()]).toEqual([5_000, 5_000]);
    const circuit = new CircuitBreaker({ failureThreshold: 1, breakDurationMs: 50, clock });
    circuit.failure();
    expect(circuit.openUntil).toBe(5_050);
    t += 50;
    expect(circuit.state).toBe('half-open');
  });
});
