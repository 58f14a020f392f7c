/**
 * The admin console's own HTTP listener (`--console-port`): the web app, its API under
 * `/v2/console/...` behind the console login, and Prometheus `/metrics`.
 *
 * @packageDocumentation
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { bearerToken } from '../api/auth-headers.ts';
import type { ApiRoute, HttpHandler, HttpRequest } from '../api/http-types.ts';
import { createDrainingServer, type DrainingServer } from '../http/draining-server.ts';
import { HttpRouter } from '../http/router.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/domain-error.ts';
import { ConsoleAuth } from './console-auth.ts';
import { type ConsoleSources, consoleCoreRoutes } from './console-core-routes.ts';
import { StatusSampler } from './status-sampler.ts';

/** The front-end: an HTML page and the bundle it loads, built on first use (see `@tether/console`). */
export interface ConsoleAssets {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

/** Settings the console reads. */
export interface ConsoleSettings {
  readonly host: string;
  readonly consolePort: number;
  readonly consoleUsername: string;
  readonly consolePassword: string;
  readonly consoleTokenExpirySec: number;
  readonly authFailuresPerAddress: number;
  readonly authFailureWindowSec: number;
  readonly authFailureTrackedKeys: number;
  readonly maxRequestBytes: number;
  readonly shutdownGraceSec: number;
}

/** Prefix every console API route must have. */
export const CONSOLE_API_PREFIX = '/v2/console/';

/** Headers of the app's page: no framing, nothing loaded from elsewhere. */
const PAGE_HEADERS = {
  'Cache-Control': 'no-cache',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
} as const;

/**
 * The console's listener and router. Features contribute routes (`FeatureParts.consoleRoutes`); the
 * composition root passes them to {@link mount}, which puts every one behind a console token, so a
 * feature never handles console authentication itself. Changes (anything but GET) are logged with
 * the administrator's name.
 */
export class ConsoleServer {
  readonly #router: HttpRouter;
  readonly #auth: ConsoleAuth;
  readonly #log: Logger;
  readonly #settings: ConsoleSettings;
  readonly #clock: Clock;
  readonly #loadAssets: () => Promise<ConsoleAssets>;
  #assets: Promise<ConsoleAssets> | undefined;
  #server: DrainingServer | undefined;
  #sampler: StatusSampler | undefined;

  constructor(deps: {
    settings: ConsoleSettings;
    logger: Logger;
    clock: Clock;
    metrics: Metrics;
    /** Builds the front-end; called once, on the first request for it. */
    assets: () => Promise<ConsoleAssets>;
  }) {
    const s = deps.settings;
    this.#settings = s;
    this.#clock = deps.clock;
    this.#log = deps.logger.child({ component: 'console' });
    this.#loadAssets = deps.assets;
    this.#auth = new ConsoleAuth(
      {
        username: s.consoleUsername,
        password: s.consolePassword,
        tokenExpirySec: s.consoleTokenExpirySec,
        failuresPerAddress: s.authFailuresPerAddress,
        failureWindowSec: s.authFailureWindowSec,
        failureTrackedKeys: s.authFailureTrackedKeys,
      },
      deps.clock,
    );
    this.#router = new HttpRouter({ maxBodyBytes: s.maxRequestBytes, logger: this.#log });
    const metrics = deps.metrics;
    this.#router
      .on('GET', '/metrics', async () => ({
        text: await metrics.text(),
        headers: { 'Content-Type': metrics.contentType },
      }))
      .on('GET', '/', () => this.#asset('html'))
      .on('GET', '/console/app.js', () => this.#asset('js'))
      .on('GET', '/console/app.css', () => this.#asset('css'))
      .on('POST', '/v2/console/authenticate', (req) => this.#login(req), 'ConsoleAuthenticate')
      .on(
        'POST',
        '/v2/console/authenticate/logout',
        this.#guard('ConsoleLogout', (req) => {
          this.#auth.logout(bearerToken(req));
          return { body: {} };
        }),
        'ConsoleLogout',
      );
  }

  /** Mounts console API routes behind the console login. Each path must start with `/v2/console/`. */
  mount(routes: readonly ApiRoute[]): this {
    for (const r of routes) {
      if (!r.path.startsWith(CONSOLE_API_PREFIX)) {
        throw new Error(`console route ${r.name} (${r.path}) must be under ${CONSOLE_API_PREFIX}`);
      }
      this.#router.on(r.method, r.path, this.#guard(r.name, r.handler), r.name);
    }
    return this;
  }

  /**
   * Mounts the console's own pages (status, configuration, runtime, live sessions) over `src`, and
   * samples the status graphs from the moment the console listens.
   */
  mountCore(src: ConsoleSources): this {
    const clock = this.#clock;
    const sampler = new StatusSampler({
      now: () => clock.now(),
      read: () => {
        const traffic = src.metrics.traffic();
        const matches = src.matchCounts();
        return {
          sessions: src.sessions.size,
          matches: matches.authoritative + matches.relayed,
          messagesIn: traffic.messagesIn,
          messagesOut: traffic.messagesOut,
        };
      },
    });
    this.#sampler = sampler;
    return this.mount(consoleCoreRoutes(src, sampler));
  }

  /** Starts listening on `consolePort` (0 picks a free port). */
  async listen(): Promise<AddressInfo> {
    const web = createDrainingServer((req, res) => this.#router.handle(req, res), this.#log);
    const server = web.server;
    server.on('clientError', (err, socket) => {
      this.#log.debug({ err }, 'console HTTP client error');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#settings.consolePort, this.#settings.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = web;
    this.#sampler?.start();
    return server.address() as AddressInfo;
  }

  /**
   * Stops listening; requests in flight get `shutdownGraceSec` to finish (as on the API port: later
   * requests on open connections are answered 503). Later calls wait for the same close.
   */
  close(): Promise<void> {
    this.#sampler?.stop();
    const web = this.#server;
    if (!web) return Promise.resolve();
    return web.drain(this.#settings.shutdownGraceSec * 1000).then(() => web.closed());
  }

  /** Requires a console token, and logs changes with who made them. */
  #guard(name: string, handler: HttpHandler): HttpHandler {
    return (req) => {
      const admin = this.#auth.verify(bearerToken(req));
      if (req.method !== 'GET')
        this.#log.info({ admin: admin.username, api: name, path: req.path }, 'console action');
      return handler(req);
    };
  }

  async #login(req: HttpRequest) {
    const body = (await req.json()) as { username?: unknown; password?: unknown } | null;
    const username = typeof body?.username === 'string' ? body.username : undefined;
    const password = typeof body?.password === 'string' ? body.password : undefined;
    if (username === undefined || password === undefined)
      throw invalid('Username and password are required.');
    try {
      const login = this.#auth.login(username, password, req.remoteAddress);
      this.#log.info({ admin: username, address: req.remoteAddress }, 'console login');
      return { body: { token: login.token, expires_at: login.expiresAt } };
    } catch (err) {
      this.#log.warn({ address: req.remoteAddress }, 'console login refused');
      throw err;
    }
  }

  async #asset(kind: keyof ConsoleAssets) {
    this.#assets ??= this.#loadAssets().catch((err: unknown) => {
      this.#assets = undefined; // let the next request try again
      throw err;
    });
    const assets = await this.#assets;
    const type = { html: 'text/html', js: 'text/javascript', css: 'text/css' }[kind];
    return { text: assets[kind], headers: { ...PAGE_HEADERS, 'Content-Type': `${type}; charset=utf-8` } };
  }
}
