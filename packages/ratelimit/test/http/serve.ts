import type { Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';

/** Starts `server` on a free port of `host` (IPv4 loopback by default); returns its base URL and a closer. */
export async function listen(
  server: Server,
  host = '127.0.0.1',
): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `count` GETs one after the other; returns the responses. */
export async function getMany(url: string, count: number, init?: RequestInit): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < count; i++) out.push(await fetch(url, init));
  return out;
}

/** Whether this host can listen on the IPv6 loopback address `::1`. */
export function ipv6LoopbackAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}
