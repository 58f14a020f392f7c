/**
 * The server of bench/http-path/main.ts: the shared HTTP request path of one checkout (draining
 * server, router holding Nakama's route table, body reading, JSON, a `timed` store and its
 * histogram) around a store read that touches no database.
 *
 *   argv: <checkout root>
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

type Handler = (req: { json(): Promise<unknown> }) => unknown;
interface Router {
  on(method: string, path: string, handler: Handler, name: string): Router;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const root = process.argv[2] ?? '.';
const load = (file: string) => import(pathToFileURL(`${root}/packages/server/src/${file}`).href);
const { HttpRouter } = await load('http/router.ts');
const { createDrainingServer } = await load('http/draining-server.ts');
const { NAKAMA_ENDPOINTS } = await load('http/nakama-endpoints.ts');
const { createLogger } = await load('observability/logger.ts');
const { Metrics } = await load('observability/metrics.ts');
const { timed } = await load('observability/timed.ts');

class Store {
  async read(key: string) {
    return { collection: 'c', key, value: '{"a":1}', version: 'v1', permission_read: 1 };
  }
}
const logger = createLogger('silent');
const metrics = new Metrics();
const store: Store = timed(new Store(), 'storage', metrics.storage);
const router: Router = new HttpRouter({
  maxBodyBytes: 65536,
  logger,
  notServed: NAKAMA_ENDPOINTS,
  meter: metrics.http,
});
for (const [method, path, name] of NAKAMA_ENDPOINTS as [string, string, string][]) {
  const read: Handler = async (req) => {
    const body = (await req.json()) as { object_ids: { key: string }[] };
    return { body: { objects: [await store.read(body.object_ids[0]?.key ?? '')] } };
  };
  router.on(method, path, method === 'POST' && path === '/v2/storage' ? read : () => ({ body: {} }), name);
}
const web = createDrainingServer(
  (req: IncomingMessage, res: ServerResponse) => router.handle(req, res),
  logger,
);
web.server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (web.server.address() as AddressInfo).port });
});
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  if (m === 'stop') process.exit(0);
});
