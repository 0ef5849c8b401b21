import { InvalidOptionError } from '@cachestack/core';
import { describe, expect, it } from 'vitest';
import { type CompressionOptions, compression } from '../src/index.js';

describe('compression() options', () => {
  it.each<[string, CompressionOptions]>([
    ['algorithm', { algorithm: 'lz4' as never }],
    ['level', { algorithm: 'gzip', level: 10 }],
    ['level', { algorithm: 'brotli', level: 12 }],
    ['level', { algorithm: 'gzip', level: 1.5 }],
    ['level', { algorithm: 'auto', level: 3 }],
    ['minSavingsRatio', { minSavingsRatio: 1 }],
    ['minSavingsRatio', { minSavingsRatio: -0.1 }],
    ['minSavingsRatio', { minSavingsRatio: Number.NaN }],
    ['thresholdBytes', { thresholdBytes: -1 }],
    ['thresholdBytes', { thresholdBytes: 'lots' }],
    ['maxDecompressedBytes', { maxDecompressedBytes: 0 }],
    ['autoFast.level', { algorithm: 'auto', autoFast: { algorithm: 'deflate', level: 99 } }],
    ['autoStrong', { algorithm: 'auto', autoStrong: { algorithm: 'snappy' as never } }],
    ['now', { now: 5 as never }],
  ])('rejects an invalid %s with InvalidOptionError', (option, options) => {
    let error: unknown;
    try {
      compression(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ option, code: 'CACHESTACK_INVALID_OPTION' });
  });

  it('defaults to brotli level 4 and reports it', () => {
    const codec = compression();
    expect(codec.name).toBe('brotli');
    expect(codec.level).toBe(4);
    expect(codec.ids).toEqual([1, 2, 3, 4]);
  });

  it('uses each algorithm’s own default level', () => {
    expect(compression({ algorithm: 'gzip' }).level).toBe(6);
    expect(compression({ algorithm: 'deflate' }).level).toBe(6);
    expect(compression({ algorithm: 'brotli' }).level).toBe(4);
  });
});
