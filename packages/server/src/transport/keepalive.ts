/**
 * Kernel TCP keepalive for accepted connections: set once on the listening socket where the kernel
 * copies it to every connection it accepts, else on each connection.
 *
 * @packageDocumentation
 */
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Marks a listener whose accepted connections inherit keepalive: the delay it was set with (ms). */
const INHERITED_KEEPALIVE = Symbol('tether.inheritedKeepAlive');

/** What Node's TCP handle offers (`uv_tcp_keepalive`; the delay in whole seconds; 0 on success). */
interface KeepAliveHandle {
  setKeepAlive(enable: boolean, delaySec: number): number;
}

/**
 * Turns keepalive on for the listening socket of `server` (already listening), so that every
 * connection it accepts from now on starts with it: Linux copies a listener's keepalive settings
 * (`SO_KEEPALIVE`, the idle time, and the probe interval and count Node sets with them: 1 s × 10)
 * into each accepted socket. That spares each accepted connection the four `setsockopt` calls of
 * `socket.setKeepAlive`, about 10-17 µs of an accept on a 2-core VM. Every connection of the
 * listener gets it, plain HTTP requests too, at no cost to the process (the kernel sends and answers
 * the probes).
 *
 * Returns false, changing nothing, off Linux or where Node's listening handle has no keepalive
 * method (it is not public API): {@link enableKeepAlive} then sets it on each connection.
 */
export function keepAliveOnListener(server: Server, delayMs: number): boolean {
  if (process.platform !== 'linux' || delayMs <= 0) return false;
  const handle = (server as unknown as { _handle?: Partial<KeepAliveHandle> | null })._handle;
  if (typeof handle?.setKeepAlive !== 'function') return false;
  // Node's socket.setKeepAlive passes whole seconds too (`~~(ms / 1000)`).
  if (handle.setKeepAlive(true, Math.trunc(delayMs / 1000)) !== 0) return false;
  (server as unknown as Record<symbol, number>)[INHERITED_KEEPALIVE] = delayMs;
  return true;
}

/**
 * Turns on the kernel's TCP keepalive for an accepted `socket` (a `net.Socket`, or a
 * `tls.TLSSocket` over one): probes after `delayMs` of silence, answered by the peer's kernel, with
 * no wake-up of this process. Node sets 10 probes 1 s apart (`TCP_KEEPCNT`, `TCP_KEEPINTVL`; since
 * Node 12.17), so a peer gone silent is closed (`ETIMEDOUT`) about `delayMs` + 10 s after it last
 * sent anything. See docs/protocol.md, "Liveness of idle sockets".
 *
 * Nothing to do when its listener already passed keepalive on ({@link keepAliveOnListener} with the
 * same delay). Sockets that are not TCP (a test's duplex pair) are left alone.
 */
export function enableKeepAlive(socket: Duplex, delayMs: number): void {
  const tcp = socket as Partial<Pick<Socket, 'setKeepAlive'>> & { server?: object | null };
  if ((tcp.server as Record<symbol, number> | null | undefined)?.[INHERITED_KEEPALIVE] === delayMs) return;
  if (typeof tcp.setKeepAlive === 'function') tcp.setKeepAlive(true, delayMs);
}
