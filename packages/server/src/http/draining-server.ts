/**
 * An HTTP server that a shutdown can drain: it knows which requests are in flight, so the database
 * closes only after they have finished (or the grace period ran out).
 *
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GrpcCode } from '@tether/protocol';
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.ts';
import { writeError } from './router.ts';

/** Handles one request; resolves once its handler has settled (the response written or abandoned). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** An HTTP server whose requests in flight a shutdown can wait for. */
export interface DrainingServer {
  readonly server: Server;
  /** Requests whose handler has not settled yet. */
  readonly inFlight: number;
  /**
   * Stops taking requests and waits for those in flight, then closes every HTTP connection (not the
   * upgraded ones: WebSockets belong to their endpoints). From the call on: the listener is closed
   * (new connections are refused), idle kept-alive connections are closed, a request that still
   * arrives on an open connection is answered 503, gRPC 14 UNAVAILABLE `server shutting down`, and
   * the answers of requests in flight carry `Connection: close`. Resolves once no request is in
   * flight or `graceMs` has passed, whichever is first; later calls return the same promise, so the
   * grace period counts from the first.
   */
  drain(graceMs: number): Promise<void>;
  /** Resolves once the server has closed and every connection on it (upgraded ones too) has ended. */
  closed(): Promise<void>;
}

/**
 * Creates a `node:http` server that runs `handle` for each request and counts the requests from
 * arrival until their handler has settled (even when the client went away meanwhile: the handler may
 * still be writing to the database).
 */
export function createDrainingServer(handle: RequestHandler, logger: Logger): DrainingServer {
  const inFlight = new Set<ServerResponse>();
  const idle: (() => void)[] = [];
  let draining: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  // One async function for every request rather than closures made per request (fewer allocations).
  const run = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    inFlight.add(res);
    try {
      await handle(req, res);
    } catch (err) {
      logger.error({ err }, 'HTTP handler failed');
      if (!res.writableEnded) res.destroy();
    }
    inFlight.delete(res);
    if (inFlight.size === 0) for (const done of idle.splice(0)) done();
  };
  const server = createServer((req, res) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      writeError(res, new ApiError(GrpcCode.UNAVAILABLE, 'server shutting down'));
      return;
    }
    void run(req, res);
  });
  const close = () => {
    stopped ??= new Promise<void>((resolve) => server.close(() => resolve()));
    return stopped;
  };

  return {
    server,
    get inFlight() {
      return inFlight.size;
    },
    drain(graceMs) {
      draining ??= (async () => {
        void close();
        server.closeIdleConnections();
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        if (inFlight.size > 0) {
          logger.info({ requests: inFlight.size, graceMs }, 'waiting for HTTP requests in flight');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise<void>((resolve) => idle.push(resolve)),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, graceMs);
            }),
          ]);
          clearTimeout(timer);
          if (inFlight.size > 0) {
            logger.warn({ requests: inFlight.size }, 'HTTP requests still running after the grace period');
          }
        }
        server.closeAllConnections();
      })();
      return draining;
    },
    closed: close,
  };
}
