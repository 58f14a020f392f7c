/**
 * `@tether/server`: the Tether realtime game server as a library. `startServer` is what
 * `tether serve` runs; embedders and tests call it with their own configuration. Game server
 * modules use the GameMaker-style `network_*` API (`Network`, `createNetworkServer`, docs/network.md).
 */

export {
  type GameMakerCarriers,
  type GmConnectionHandler,
  replyNotAvailable,
  startGameMakerCarriers,
} from './carriers/gamemaker.ts';
export { ConfigError, ConfigSchema, loadConfig, type TetherConfig } from './config/config.ts';
export { type RunningServer, type ServerDeps, startServer } from './create-server.ts';
export * from './network/index.ts';
// Server runtime API for game modules (`--runtime`): types only, see docs/runtime.md.
export type * from './runtime/api.ts';
export type { CloseInfo, Connection, MessageKind } from './transport/connection.ts';
export { TransportError, TransportErrorCode } from './transport/errors.ts';
export type { Admitted } from './transport/gate.ts';
