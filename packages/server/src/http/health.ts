import type { HttpRouter } from './router.ts';

/** `GET /healthcheck`: 200 `{}` once the server accepts requests (Nakama answers the same way). */
export function registerHealthRoutes(router: HttpRouter, isReady: () => boolean): void {
  router.on('GET', '/healthcheck', () =>
    isReady() ? { body: {} } : { status: 503, body: { code: 14, message: 'Starting' } },
  );
}
