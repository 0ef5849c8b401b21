import { describe, expect, it } from 'vitest';
import { createCache } from '../src/cache/create-cache.js';
import type { Logger } from '../src/contracts/logger.js';
import { createMemoryBusHub } from '../src/tiers/memory-bus.js';
import { MemoryStore } from '../src/tiers/memory-store.js';

function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (obj: object | string, msg?: string) =>
    lines.push(`${level} ${typeof obj === 'string' ? obj : (msg ?? '')}`);
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

describe('bus connection log lines', () => {
  it('says nothing of a reconnection on the first connection, and logs real ones', async () => {
    const lines: string[] = [];
    const bus = createMemoryBusHub().createBus();
    bus.disconnect(); // the cache is created while its bus is still connecting
    const cache = createCache({ l2: new MemoryStore(), bus, logger: recordingLogger(lines) });
    lines.length = 0;
    bus.reconnect();
    expect(lines.filter((l) => l.includes('reconnected'))).toEqual([]);
    expect(lines).toContain('debug cachestack: bus connected');
    bus.disconnect();
    bus.reconnect();
    expect(lines).toContain('info cachestack: bus reconnected, L1 dropped');
    await cache.close();
  });
});
