/**
 * GameMaker's `network_*` API for game server modules written in TypeScript. See docs/network.md
 * for the GML-to-TypeScript mapping.
 *
 * @packageDocumentation
 */
export { NetworkError, NetworkErrorCode } from './errors.ts';
export { EventQueue } from './event-queue.ts';
export { Network, type NetworkDeps } from './network.ts';
export { createNetworkServer, type NetworkServer, type NetworkServerDeps } from './server.ts';
export {
  type NetworkConnectEvent,
  type NetworkDataEvent,
  type NetworkDisconnectEvent,
  type NetworkEvent,
  type NetworkEventHandler,
  NetworkSend,
  type NetworkServerInfo,
  type NetworkServerOptions,
  type NetworkSocketKind,
  NetworkSocketType,
  NetworkType,
  type Sendable,
} from './types.ts';
