import { createServer, type Server } from 'node:net';

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
  const attempt = (p: number) => new Promise<number>((resolve, reject) => {
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    };
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    server.once('listening', onListening);
    server.once('error', onError);
    server.listen(p, host);
  });
  return attempt(port).then(
    (bound) => ({ port: bound, fellBack: false }),
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE' || !fallback || port === 0) throw err;
      return attempt(0).then((bound) => ({ port: bound, fellBack: true }));
    },
  );
}

/** A port nobody listens on at this moment (tests hand it to a child process they start). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
