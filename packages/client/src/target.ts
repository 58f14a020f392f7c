/**
 * Parsing of `connect(urlOrHost, port)` arguments, following GameMaker's rules: WebSocket URLs may carry
 * a path (`ws://host:7350/gm`), a non-zero `port` argument overrides the URL's port, and a `wss`
 * socket always uses TLS.
 *
 * @packageDocumentation
 */

import type { SocketType } from './base.ts';
import { ClientError, ClientErrorCode } from './errors.ts';
import type { ConnectTarget } from './transport.ts';

const invalid = (message: string): ClientError => new ClientError(ClientErrorCode.INVALID_ARGUMENT, message);

/** Strips the brackets of an IPv6 literal (`[::1]` becomes `::1`), since socket APIs want it bare. */
function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Adds brackets to an IPv6 literal so it can sit inside a URL. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Resolves what to connect to. Throws a {@link ClientError} (INVALID_ARGUMENT) for arguments that can
 * never work, because that is a bug in the caller rather than a network condition.
 *
 * @param type - socket type
 * @param urlOrHost - a host name / IP, or for WebSockets a full `ws://` / `wss://` URL with optional path
 * @param port - remote port; required for TCP and UDP; for WebSockets a non-zero value overrides the URL's
 */
export function resolveTarget(type: SocketType, urlOrHost: string, port?: number): ConnectTarget {
  if (typeof urlOrHost !== 'string' || urlOrHost.trim() === '') {
    throw invalid('connect() needs a host name, an IP address or a WebSocket URL');
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw invalid(`port must be an integer between 0 and 65535, got ${port}`);
  }
  if (type === 'tcp' || type === 'udp') {
    if (!port) throw invalid(`a ${type} socket needs a port between 1 and 65535`);
    if (urlOrHost.includes('://'))
      throw invalid(`a ${type} socket takes a host name, not a URL: ${urlOrHost}`);
    return { host: bareHost(urlOrHost.trim()), port };
  }

  const text = urlOrHost.includes('://') ? urlOrHost.trim() : `${type}://${urlHost(urlOrHost.trim())}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `not a valid WebSocket URL: ${urlOrHost}`, {
      cause,
    });
  }
  // Browsers accept http(s) URLs for WebSockets too; map them so both runtimes behave the same.
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw invalid(`a WebSocket URL must start with ws:// or wss://, got ${urlOrHost}`);
  }
  if (url.hash) url.hash = '';
  // GameMaker: network_socket_wss forces TLS whatever the URL says.
  if (type === 'wss') url.protocol = 'wss:';
  if (port) url.port = String(port);
  const effectivePort = url.port ? Number(url.port) : url.protocol === 'wss:' ? 443 : 80;
  return { url: url.href, host: bareHost(url.hostname), port: effectivePort };
}

/** UTF-8 length of `text`. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Throws unless `code` and `reason` can be sent in a WebSocket close frame from every runtime. Browsers
 * only let applications send 1000 or 3000-4999, and RFC 6455 caps the reason at 123 UTF-8 bytes.
 */
export function validateWebSocketClose(code: number, reason: string): void {
  if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
    throw invalid(`a WebSocket close code must be 1000 or 3000-4999 (browsers refuse others), got ${code}`);
  }
  if (utf8Length(reason) > 123) throw invalid('a WebSocket close reason must be at most 123 UTF-8 bytes');
}
