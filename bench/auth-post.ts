/**
 * The authentication benchmarks' request: one POST with the default server key as Basic auth, on a
 * keep-alive agent, resolving with the status (the body is read and dropped).
 */
import { type Agent, request } from 'node:http';

/** `Authorization` for the default server key (`defaultkey`), as nakama-js sends it. */
export const BASIC = `Basic ${Buffer.from('defaultkey:').toString('base64')}`;

/** One POST of a JSON `body` to `path` on 127.0.0.1:`port`; resolves with the status. */
export function post(agent: Agent, port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          authorization: BASIC,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
