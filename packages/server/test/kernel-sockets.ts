/**
 * What the kernel says of a TCP socket (Linux, iproute2's `ss`), for tests of socket options.
 */
import { execFileSync } from 'node:child_process';

/** Whether `ss` (iproute2) is here to read the kernel's view of a socket. */
export const hasSs = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The kernel timer of the server side of the connection whose client port is `clientPort` on the
 * server's `serverPort` (both on loopback), from `ss -tno`: `timer:(keepalive,<time left>,<probes
 * sent>)` when TCP keepalive is on and nothing is in flight, `none` when no timer is armed.
 */
export function serverSideTimer(serverPort: number, clientPort: number): string {
  const out = execFileSync('ss', [
    '-tnoH',
    'state',
    'established',
    `( sport = :${serverPort} and dport = :${clientPort} )`,
  ]).toString();
  if (out.trim() === '') throw new Error(`no socket ${serverPort} <- ${clientPort}`);
  return /timer:\([^)]*\)/.exec(out)?.[0] ?? 'none';
}

/**
 * A keepalive timer of 600 s (`ss` prints the time left): `10min` when read in the same tick as the
 * connection was made, `9min59sec` and below after that.
 */
export const KEEPALIVE_TEN_MINUTES = /^timer:\(keepalive,(?:10min|9min[0-9]+sec),0\)$/;
