import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { listenWithFallback } from './net.ts';

describe('listenWithFallback', () => {
  it('takes a free port and says so when the wanted one is taken', async () => {
    const holder = net.createServer();
    const taken = await listenWithFallback(holder, 0, '127.0.0.1', false);
    const server = net.createServer();
    const result = await listenWithFallback(server, taken.port, '127.0.0.1', true);
    expect(result.fellBack).toBe(true);
    expect(result.port).not.toBe(taken.port);
    expect(result.port).toBeGreaterThan(0);
    await new Promise((r) => server.close(r));
    await expect(listenWithFallback(net.createServer(), taken.port, '127.0.0.1', false)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await new Promise((r) => holder.close(r));
  });

  it('reports no fallback when the wanted port is free', async () => {
    const probe = net.createServer();
    const { port } = await listenWithFallback(probe, 0, '127.0.0.1', false);
    await new Promise((r) => probe.close(r));
    const server = net.createServer();
    expect(await listenWithFallback(server, port, '127.0.0.1', true)).toEqual({ port, fellBack: false });
    await new Promise((r) => server.close(r));
  });
});
