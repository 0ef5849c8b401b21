import { describe, expect, it } from 'vitest';
import { compileKeyMap, InvalidPatternError } from '../src/index.js';

describe('compileKeyMap', () => {
  it('maps logical keys to legacy keys and back with a pattern map', () => {
    const map = compileKeyMap({
      'user:{id}': 'legacy:u:{id}',
      'profile:{org}:{id}': 'app:user:profile:{org}-{id}',
    });
    expect(map.toLegacy('user:42')).toBe('legacy:u:42');
    expect(map.toLegacy('profile:acme:7')).toBe('app:user:profile:acme-7');
    expect(map.toLegacy('order:1')).toBeUndefined();
    expect(map.toKey('legacy:u:42')).toBe('user:42');
    expect(map.toKey('app:user:profile:acme-7')).toBe('profile:acme:7');
    expect(map.toKey('legacy:x:1')).toBeUndefined();
    expect(map.globs).toEqual(['legacy:u:*', 'app:user:profile:*-*']);
  });

  it('escapes glob and regex characters of literal parts', () => {
    const map = compileKeyMap({ 'k:{id}': 'a*b?[c].{id}' });
    expect(map.globs).toEqual(['a\\*b\\?\\[c\\].*']);
    expect(map.toKey('a*b?[c].9')).toBe('k:9');
    expect(map.toKey('aXb?[c].9')).toBeUndefined();
  });

  it('maps with a function, which cannot map back', () => {
    const map = compileKeyMap((key) => (key.startsWith('u:') ? `old:${key.slice(2)}` : undefined));
    expect(map.toLegacy('u:1')).toBe('old:1');
    expect(map.toLegacy('x')).toBeUndefined();
    expect(map.toKey('old:1')).toBeUndefined();
    expect(map.globs).toEqual([]);
  });

  it('rejects patterns whose sides differ, repeat or glue placeholders', () => {
    expect(() => compileKeyMap({ 'user:{id}': 'legacy:{uid}' })).toThrow(InvalidPatternError);
    expect(() => compileKeyMap({ '{a}:{a}': 'x:{a}' })).toThrow(/appears twice/);
    expect(() => compileKeyMap({ '{a}{b}': 'x:{a}:{b}' })).toThrow(/separated/);
    expect(() => compileKeyMap({})).toThrow(/empty/);
    expect(() => compileKeyMap({ 'user:{id}': 'legacy:{uid}' })).toThrow(
      expect.objectContaining({ code: 'CACHESTACK_MIGRATE_INVALID_PATTERN' }),
    );
  });
});
