import type { Server } from 'node:net';

export interface ListenResult {
  port: number;
  /** True when the wanted port was taken and a free one was used instead. */
  fellBack: boolean;
}

/**
 * Listens on `port`; if it is taken and `fallback` is set, takes a free port instead of failing
 * (this machine's Mosquitto holds 1883, and `hexlight up` must still start).
 */
export function listenWithFallback(server: Server, port: number, host: string, fallback: boolean): Promise<ListenResult> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' && fallback && port !== 0) {
        server.once('error', reject);
        server.listen(0, host, () => resolve({ port: (server.address() as { port: number }).port, fellBack: true }));
      } else {
        reject(err);
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve({ port: (server.address() as { port: number }).port, fellBack: false });
    });
  });
}
