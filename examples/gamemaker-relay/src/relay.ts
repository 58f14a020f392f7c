/**
 * A relay server written the way a GameMaker server is: one Networking event handler that switches
 * on the event type, then on the packet id in the first byte. GameMaker clients connect with
 * `network_connect` over TCP, or with a `network_socket_ws` socket over WebSocket; both servers
 * live in one {@link Network}, so socket ids are unique across them and players on either carrier
 * see each other.
 */
import { GmBuffer } from '@tether/protocol';
import { Network, type NetworkEvent, type NetworkServerInfo } from '@tether/server';
import type { Logger } from 'pino';
import { ClientPacket, ServerPacket } from './protocol.ts';

/** Options of {@link startRelay}. */
export interface RelayOptions {
  readonly logger: Logger;
  readonly host?: string;
  /** GameMaker TCP port; 0 picks a free one. */
  readonly tcpPort?: number;
  /** GameMaker WebSocket port; 0 picks a free one. */
  readonly wsPort?: number;
  /** Per carrier. */
  readonly maxClients?: number;
}

/** A running relay. */
export interface Relay {
  readonly tcp: NetworkServerInfo;
  readonly ws: NetworkServerInfo;
  /** Joined players by socket id. */
  readonly players: ReadonlyMap<number, Player>;
  close(): Promise<void>;
}

/** What the relay remembers about a joined player. */
export interface Player {
  readonly name: string;
  x: number;
  y: number;
}

/** Longest name and chat line accepted; longer ones are cut (the relay must not amplify big packets). */
const MAX_TEXT = 200;

/** Starts the TCP and WebSocket servers and the relay logic. */
export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const { logger } = opts;
  const network = new Network({ logger });
  const common = { host: opts.host ?? '0.0.0.0', maxClients: opts.maxClients ?? 64, maxMessageSize: 4096 };
  const tcp = await network.createServer({ ...common, type: 'tcp', port: opts.tcpPort ?? 6510 });
  const ws = await network.createServer({ ...common, type: 'ws', port: opts.wsPort ?? 6511 });
  const players = new Map<number, Player>();

  /** `buffer_create` + `buffer_write(buffer_u8, id)`: every outgoing packet starts like this. */
  const packet = (id: number) => new GmBuffer(32, 'grow', 1).writeU8(id);

  const sendToOthers = (except: number, buffer: GmBuffer) => {
    for (const socket of players.keys()) if (socket !== except) network.sendPacket(socket, buffer);
  };

  const leave = (socket: number) => {
    if (!players.delete(socket)) return;
    sendToOthers(socket, packet(ServerPacket.left).writeU16(socket));
  };

  const onData = (socket: number, buffer: GmBuffer) => {
    const packetId = buffer.readU8();
    switch (packetId) {
      case ClientPacket.join: {
        if (players.has(socket)) return;
        const name = buffer.readString().slice(0, MAX_TEXT);
        network.sendPacket(socket, packet(ServerPacket.welcome).writeU16(socket));
        // Tell the newcomer who is here, then tell everyone else about the newcomer.
        for (const [other, p] of players) {
          network.sendPacket(socket, packet(ServerPacket.joined).writeU16(other).writeString(p.name));
        }
        players.set(socket, { name, x: 0, y: 0 });
        sendToOthers(socket, packet(ServerPacket.joined).writeU16(socket).writeString(name));
        return;
      }
      case ClientPacket.move: {
        const player = players.get(socket);
        if (!player) return;
        player.x = buffer.readF32();
        player.y = buffer.readF32();
        sendToOthers(
          socket,
          packet(ServerPacket.moved).writeU16(socket).writeF32(player.x).writeF32(player.y),
        );
        return;
      }
      case ClientPacket.chat: {
        if (!players.has(socket)) return;
        const text = buffer.readString().slice(0, MAX_TEXT);
        const out = packet(ServerPacket.chat).writeU16(socket).writeString(text);
        for (const other of players.keys()) network.sendPacket(other, out);
        return;
      }
      case ClientPacket.leave:
        leave(socket);
        void network.destroy(socket, 'left');
        return;
      default:
        logger.warn({ socket, packetId }, 'unknown packet id; dropping client');
        void network.destroy(socket, 'unknown packet');
    }
  };

  // The Networking async event. `asyncLoad` has the keys of GameMaker's `async_load` map.
  network.onEvent((asyncLoad: NetworkEvent) => {
    switch (asyncLoad.type) {
      case 'connect':
        logger.info({ socket: asyncLoad.socket, ip: asyncLoad.ip }, 'client connected');
        break;
      case 'disconnect':
        logger.info({ socket: asyncLoad.socket, reason: asyncLoad.reason }, 'client disconnected');
        leave(asyncLoad.socket);
        break;
      case 'data':
        try {
          onData(asyncLoad.id, asyncLoad.buffer);
        } catch (err) {
          // A truncated packet (buffer_read past the end) means a broken client: drop it.
          logger.warn({ err, socket: asyncLoad.id }, 'malformed packet; dropping client');
          void network.destroy(asyncLoad.id, 'malformed packet');
        }
        break;
    }
  });

  return { tcp, ws, players, close: () => network.close() };
}
