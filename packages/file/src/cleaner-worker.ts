/**
 * Entry point of the cleaner's worker thread: runs {@link sweepSync} on request.
 * Messages in: `{ type: 'sweep', id, options }`, `{ type: 'stop' }`.
 * Messages out: `{ type: 'report', id, report }`, `{ type: 'failed', id, message, code }`.
 */
import { parentPort } from 'node:worker_threads';
import { type HeadCache, type SweepOptions, sweepSync } from './sweep.js';

const cache: HeadCache = new Map();
const port = parentPort;

if (port) {
  port.on('message', (message: { type: string; id?: number; options?: SweepOptions }) => {
    if (message.type === 'stop') {
      port.close();
      return;
    }
    if (message.type !== 'sweep' || !message.options) return;
    try {
      const report = sweepSync(message.options, cache);
      port.postMessage({ type: 'report', id: message.id, report });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      port.postMessage({ type: 'failed', id: message.id, message: e?.message, code: e?.code });
    }
  });
}
