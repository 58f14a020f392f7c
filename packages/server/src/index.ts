/**
 * `@tether/server`: the Tether realtime game server as a library. `startServer` is what
 * `tether serve` runs; embedders and tests call it with their own configuration.
 */
export { startServer, type RunningServer, type ServerDeps } from './create-server.ts';
export { loadConfig, ConfigSchema, ConfigError, type TetherConfig } from './config/config.ts';
