import { createServer } from 'node:net';

/** The port cannot be listened on: taken, or not allowed. */
export class PortUnavailableError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    readonly reason: string,
  ) {
    super(`cannot listen on ${host}:${port}: ${reason}`);
    this.name = 'PortUnavailableError';
  }
}

/**
 * Resolves when `host:port` can be listened on (by briefly listening on it), so a taken
 * port is reported at once, before seconds of database seeding, instead of after them.
 */
export function assertPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'the port is already in use (another instance running? set PORT=...)'
          : error.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges; set PORT=...)'
            : error.code === 'EADDRNOTAVAIL'
              ? 'the address is not available on this machine (set HOST=...)'
              : (error.message ?? String(error));
      reject(new PortUnavailableError(port, host, reason));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
