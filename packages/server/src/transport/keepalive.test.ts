import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasSs, KEEPALIVE_TEN_MINUTES, serverSideTimer } from '../../test/kernel-sockets.ts';
import { enableKeepAlive, keepAliveOnListener } from './keepalive.ts';

describe.runIf(process.platform === 'linux' && hasSs)('keepalive set on the listener', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  /** A listening server and the server side of one connection accepted by it (nothing called on it). */
  async function listening(): Promise<{ server: Server; port: number }> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => server.close());
    return { server, port: (server.address() as AddressInfo).port };
  }
  async function accept(server: Server, port: number): Promise<{ accepted: Socket; client: Socket }> {
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    const client = connect(port, '127.0.0.1');
    cleanup.push(() => client.destroy());
    const s = await accepted;
    cleanup.push(() => s.destroy());
    return { accepted: s, client };
  }

  it('passes keepalive to every connection the listener accepts, with its delay', async () => {
    const { server, port } = await listening();
    expect(keepAliveOnListener(server, 600_000)).toBe(true);
    const { client } = await accept(server, port);
    // Nothing was called on the accepted socket: the kernel copied the listener's settings.
    expect(serverSideTimer(port, client.localPort ?? 0)).toMatch(KEEPALIVE_TEN_MINUTES);
  });

  it('is not there without it', async () => {
    const { server, port } = await listening();
    expect(keepAliveOnListener(server, 0)).toBe(false);
    const { client } = await accept(server, port);
    expect(serverSideTimer(port, client.localPort ?? 0)).toBe('none');
  });

  it('spares accepted sockets their own setsockopt calls only when the delays match', async () => {
    const { server, port } = await listening();
    keepAliveOnListener(server, 600_000);
    const { accepted } = await accept(server, port);
    const set = vi.spyOn(accepted, 'setKeepAlive');
    enableKeepAlive(accepted, 600_000);
    expect(set).not.toHaveBeenCalled();
    enableKeepAlive(accepted, 30_000);
    expect(set).toHaveBeenCalledWith(true, 30_000);

    const other = await listening();
    const second = await accept(other.server, other.port);
    const setOther = vi.spyOn(second.accepted, 'setKeepAlive');
    enableKeepAlive(second.accepted, 600_000);
    expect(setOther).toHaveBeenCalledWith(true, 600_000);
    expect(serverSideTimer(other.port, second.client.localPort ?? 0)).toMatch(KEEPALIVE_TEN_MINUTES);
  });
});
