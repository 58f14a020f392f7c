/**
 * What the kernel says of a TCP socket (Linux, iproute2's `ss`), for tests of socket options.
 */
import { execFileSync } from 'node:child_process';

/**
 * The kernel's timer of the established socket on local port `serverPort` whose peer is port
 * `clientPort` (both on loopback): `timer:(keepalive,<time left>,<probes sent>)` when keepalive will
 * probe it, 'no timer' when nothing is armed.
 */
export function serverSideTimer(serverPort: number, clientPort: number): string {
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${serverPort} )`], {
    encoding: 'utf8',
  });
  const line = out.split('\n').find((l) => new RegExp(`:${clientPort}\\s`).test(`${l} `));
  if (line === undefined) throw new Error(`no socket ${serverPort} <- ${clientPort} in:\n${out}`);
  return /timer:\([^)]*\)/.exec(line)?.[0] ?? 'no timer';
}
