import { afterAll, beforeAll, describe } from 'vitest';
import type { App } from '../src/app.js';
import { adminBehaviour } from './admin-behaviour.js';
import { apiBehaviour } from './api-behaviour.js';
import { dashboardBehaviour } from './dashboard-behaviour.js';
import { testApp } from './helpers.js';
import { rateLimitBehaviour } from './rate-limit-behaviour.js';

// One app for the whole file: PGlite takes seconds to start on a busy machine.
describe('on PGlite with the embedded L2', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp({ sliceMs: 250 });
  });
  afterAll(async () => {
    await app?.close();
  });
  apiBehaviour(() => app);
  adminBehaviour(() => app);
  dashboardBehaviour(() => app);
  rateLimitBehaviour(() => app);
});
