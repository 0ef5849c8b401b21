import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/http/client-key.js';

describe('clientKey', () => {
  it('keeps an IPv4 address whole', () => {
    expect(clientKey('203.0.113.7')).toBe('ip:203.0.113.7');
  });

  it('groups IPv6 addresses of one /56 under one key', () => {
    const a = clientKey('2001:db8:1234:5601:aaaa::1');
    const b = clientKey('2001:0db8:1234:56ff:ffff:ffff:ffff:ffff');
    expect(a).toBe('ip:2001:db8:1234:5600::/56');
    expect(b).toBe(a);
    expect(clientKey('2001:db8:1234:5700::1')).not.toBe(a);
  });

  it('honours another subnet size, or none', () => {
    expect(clientKey('2001:db8:1234:5678:9abc::1', 64)).toBe('ip:2001:db8:1234:5678::/64');
    expect(clientKey('2001:db8::1', false)).toBe('ip:2001:db8::1');
    expect(clientKey('2001:DB8:0:0:0:0:0:1', false)).toBe('ip:2001:db8::1');
  });

  it('reads IPv4-mapped IPv6 as IPv4', () => {
    expect(clientKey('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(clientKey('::ffff:cb00:7107')).toBe('ip:203.0.113.7');
  });

  it('parses a dotted IPv4 tail and a zone index', () => {
    expect(clientKey('64:ff9b::192.0.2.33', false)).toBe('ip:64:ff9b::c000:221');
    expect(clientKey('fe80::1%eth0', 64)).toBe('ip:fe80::/64');
  });
});
