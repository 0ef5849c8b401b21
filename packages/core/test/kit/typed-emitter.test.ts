import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/kit/index.js';

interface Events {
  'store:error': { operation: string; error: Error };
  'circuit:close': Record<string, never>;
}

describe('TypedEmitter', () => {
  it('delivers payloads to every listener of the name, in subscription order', () => {
    const events = new TypedEmitter<Events>();
    const seen: string[] = [];
    events.on('store:error', ({ operation }) => seen.push(`a:${operation}`));
    events.on('store:error', ({ operation }) => seen.push(`b:${operation}`));
    events.on('circuit:close', () => seen.push('close'));
    events.emit('store:error', { operation: 'get', error: new Error('down') });
    expect(seen).toEqual(['a:get', 'b:get']);
  });

  it('isolates a throwing listener from the others and from the emitter', () => {
    const events = new TypedEmitter<Events>();
    const seen: string[] = [];
    events.on('circuit:close', () => {
      throw new Error('listener bug');
    });
    events.on('circuit:close', () => seen.push('second'));
    expect(() => events.emit('circuit:close', {})).not.toThrow();
    expect(seen).toEqual(['second']);
  });

  it('has() tells whether anyone listens, and unsubscribing forgets the name', () => {
    const events = new TypedEmitter<Events>();
    expect(events.has('circuit:close')).toBe(false);
    const off = events.on('circuit:close', () => {});
    expect(events.has('circuit:close')).toBe(true);
    off();
    expect(events.has('circuit:close')).toBe(false);
  });

  it('once() delivers only the next event', () => {
    const events = new TypedEmitter<Events>();
    let calls = 0;
    events.once('circuit:close', () => calls++);
    events.emit('circuit:close', {});
    events.emit('circuit:close', {});
    expect(calls).toBe(1);
    expect(events.has('circuit:close')).toBe(false);
  });

  it('clear() removes every listener', () => {
    const events = new TypedEmitter<Events>();
    let calls = 0;
    events.on('circuit:close', () => calls++);
    events.clear();
    events.emit('circuit:close', {});
    expect(calls).toBe(0);
  });
});
