import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ClusterHealth } from './cluster/cluster-node.ts';
import type { TetherConfig } from './config/config.ts';
import type { FriendFeature } from './features/friends/register-friends.ts';
import type { GroupFeature } from './features/groups/register-groups.ts';
import type { LeaderboardFeature } from './features/leaderboards/register-leaderboards.ts';
import type { MatchFeature } from './features/match/register-matches.ts';
import type { MatchmakerFeature } from './features/matchmaker/register-matchmaker.ts';
import type { PartyFeature } from './features/party/register-parties.ts';
import type { StatusService } from './features/status/status-service.ts';
import type { StreamService } from './features/streams/stream-service.ts';
import type { Metrics } from './observability/metrics.ts';
import type { Runtime } from './runtime/runtime.ts';
import type { SessionRegistry } from './session/registry.ts';
import type { SessionLifecycle } from './socket/session-lifecycle.ts';

// The shapes startServer (create-server.ts, the composition root) takes and returns.

/** Optional injected pieces: tests pass a silent logger; embedders pass an abort signal. */
export interface ServerDeps {
  logger?: Logger;
  /** Aborting it shuts the server down (mini-redis style: the entry point gets its shutdown signal). */
  signal?: AbortSignal;
}

/** Realtime sessions and the server-side services built on them. */
export interface RealtimeServices {
  /** Connected sessions by id and by user (`get`, `byUser`, `closeUser`...). */
  readonly sessions: SessionRegistry;
  /** Session lifecycle: `onOpened` / `onClosed`, `closeRevoked`, `closeAll`. */
  readonly lifecycle: SessionLifecycle;
  /** Custom streams for server code (join, leave, list, send). */
  readonly streams: StreamService;
  /** Online status (follow, update, presences). */
  readonly status: StatusService;
}

/** A running Tether server. */
export interface RunningServer {
  readonly config: TetherConfig;
  readonly logger: Logger;
  /** Bound HTTP/WebSocket address (useful with `port: 0`). */
  readonly http: AddressInfo;
  /** Bound GameMaker TCP address, when enabled. */
  readonly gm: AddressInfo | null;
  /** Realtime sessions, custom streams and status, for server code. */
  readonly realtime: RealtimeServices;
  /** Relayed and authoritative matches, match tokens. */
  readonly matches: MatchFeature;
  /** Game modules (`--runtime`): RPCs, match handlers, hooks; `runtime.run(init)` adds one in code. */
  readonly runtime: Runtime;
  /** Parties. */
  readonly parties: PartyFeature;
  /** The matchmaker (`matchmaker.process()` runs an interval at once). */
  readonly matchmaker: MatchmakerFeature;
  /** Cluster mode (`--cluster`): this node's view of the cluster; undefined for a single node. */
  readonly cluster: { readonly node: string; health(): ClusterHealth } | undefined;
  /** Leaderboards and tournaments (services, and the period scheduler). */
  readonly leaderboards: LeaderboardFeature;
  /** Friends, invitations and blocks. */
  readonly friends: FriendFeature;
  /** Groups and their members. */
  readonly groups: GroupFeature;
  /** Bound admin console address (the console, its API and `/metrics`). */
  readonly console: AddressInfo;
  /** This server's Prometheus metrics. */
  readonly metrics: Metrics;
  /** Stops accepting, closes every connection with `reason`, flushes and closes the database. Idempotent. */
  close(reason?: string): Promise<void>;
}
