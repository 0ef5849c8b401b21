// The built packages (self-reference), as a store author would run the suite.
import { MemoryStore } from '@cachestack/core';
import { fakeClock } from '@cachestack/testing';
import { describeStoreContract } from '@cachestack/testing/vitest';

const clock = fakeClock();

describeStoreContract('memory store', () => new MemoryStore({ now: clock.now }), {
  advanceTime: (ms) => clock.advance(ms),
});
