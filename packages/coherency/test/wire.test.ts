import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, frameHead, WIRE_VERSION, type WireFrame } from '../src/wire.js';

describe('wire frames', () => {
  const frame: WireFrame = {
    v: WIRE_VERSION,
    k: 'inv',
    i: 'node "1"',
    e: 'ab12',
    s: 7,
    t: 1732200000123.25,
    m: { type: 'delete-tags', namespace: 'users', tags: ['vip', 'a"b'] },
  };

  it('round-trips every kind of frame and starts with the sender head', () => {
    const text = encodeFrame(frame);
    expect(decodeFrame(text)).toEqual(frame);
    expect(decodeFrame(Buffer.from(text))).toEqual(frame);
    expect(text.startsWith(frameHead('node "1"', 'ab12'))).toBe(true);
    expect(text.startsWith(frameHead('node "1"', 'other'))).toBe(false);
    const hb: WireFrame = { v: WIRE_VERSION, k: 'hb', i: 'x', e: 'y', s: 3, t: 1 };
    expect(decodeFrame(encodeFrame(hb))).toEqual(hb);
  });

  it('rejects malformed frames and other versions', () => {
    const bad = [
      'nope',
      'null',
      '[]',
      JSON.stringify({ ...frame, v: 2 }),
      JSON.stringify({ ...frame, k: 'other' }),
      JSON.stringify({ ...frame, s: -1 }),
      JSON.stringify({ ...frame, s: 1.5 }),
      JSON.stringify({ ...frame, i: 3 }),
      JSON.stringify({ ...frame, m: undefined }),
      JSON.stringify({ ...frame, m: { type: 'delete', namespace: 'n', keys: [1] } }),
      JSON.stringify({ ...frame, m: { type: 'clear' } }),
    ];
    for (const text of bad) expect(decodeFrame(text)).toBeUndefined();
  });
});
