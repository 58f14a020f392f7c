/**
 * The soak's two kinds of realtime connection behind one interface: the unmodified nakama-js client
 * over `/ws` (with `ws` as its WebSocket on Node), and a GameMaker client over the GameMaker TCP port
 * (handshake and 12-byte packet framing by `GmClientFramer`, one JSON envelope per packet, strings
 * NUL-terminated as GML's `buffer_string` writes them). Each can be dropped cleanly (a WebSocket
 * close frame, a TCP FIN) or cut (the TCP connection destroyed with no goodbye).
 *
 * @packageDocumentation
 */
import { connect, type Socket as NetSocket } from 'node:net';
import { type Client, DefaultSocket, type Session, WebSocketAdapterText } from '@heroiclabs/nakama-js';
import { encodeGmPacket, GmClientFramer } from '@tether/protocol';
import WebSocket from 'ws';

/** nakama-js needs a WebSocket global and a `window` on Node 20 (docs/client.md). */
export function installNakamaShim(): void {
  const g = globalThis as unknown as { WebSocket?: unknown; window?: unknown };
  g.WebSocket ??= WebSocket;
  g.window ??= globalThis;
}

/** An error reply (or a timeout, code -1; a closed connection, code -2). */
export class RequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a connection tells its owner. */
export interface ConnEvents {
  matchData(matchId: string, data: string): void;
  partyData(partyId: string, data: string): void;
  matched(token: string): void;
  /** The connection ended; `expected` when this side dropped it. */
  closed(expected: boolean): void;
}

/** One realtime connection, either carrier. */
export interface Conn {
  readonly carrier: 'ws' | 'gm-tcp';
  joinChat(room: string): Promise<string>;
  writeChat(channelId: string, content: object): Promise<{ messageId: string; persistent: boolean }>;
  createMatch(): Promise<string>;
  joinMatch(matchId: string): Promise<void>;
  joinMatchByToken(token: string): Promise<string>;
  leaveMatch(matchId: string): Promise<void>;
  /** Sends match data (text); throws when the connection is not open. */
  sendMatch(matchId: string, data: string): void;
  createParty(maxSize: number): Promise<string>;
  joinParty(partyId: string): Promise<void>;
  sendParty(partyId: string, data: string): void;
  addMatchmaker(query: string, props: Record<string, string>): Promise<string>;
  removeMatchmaker(ticket: string): Promise<void>;
  /** `close`: a clean close; `cut`: the connection destroyed without a goodbye. */
  drop(how: 'close' | 'cut'): void;
}

const REQUEST_TIMEOUT_MS = 10_000;

function asRequestError(err: unknown): RequestError {
  if (err instanceof RequestError) return err;
  const e = err as { code?: number; message?: string } | undefined;
  if (e && typeof e.code === 'number') return new RequestError(e.code, String(e.message ?? ''));
  return new RequestError(-1, err instanceof Error ? err.message : String(err ?? 'request failed'));
}

/** The nakama-js text adapter with a way to cut its TCP connection. */
class DroppableAdapter extends WebSocketAdapterText {
  cut(): void {
    const ws = (this as unknown as { _socket?: WebSocket })._socket;
    ws?.terminate();
  }
}

/** nakama-js over `/ws`. */
export async function nakamaConn(client: Client, session: Session, events: ConnEvents): Promise<Conn> {
  const adapter = new DroppableAdapter();
  const socket = new DefaultSocket(client.host, client.port, false, false, adapter, REQUEST_TIMEOUT_MS);
  let dropping = false;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    events.closed(dropping);
  };
  socket.ondisconnect = close;
  socket.onheartbeattimeout = () => {};
  socket.onerror = () => {};
  const text = (data: Uint8Array) => Buffer.from(data).toString('latin1');
  socket.onmatchdata = (m) => events.matchData(m.match_id, text(m.data));
  socket.onpartydata = (p) => events.partyData(p.party_id, text(p.data));
  socket.onmatchmakermatched = (m) => {
    if (m.token) events.matched(m.token);
  };
  await socket.connect(session, false, REQUEST_TIMEOUT_MS);
  const call = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      throw asRequestError(err);
    }
  };
  const open = () => {
    if (closed || !adapter.isOpen()) throw new RequestError(-2, 'connection closed');
  };
  return {
    carrier: 'ws',
    joinChat: async (room) => (await call(socket.joinChat(room, 1, true, false))).id,
    writeChat: async (channelId, content) => {
      // The wire field is `persistent` (nakama-js 2.8.0's type calls it `persistence`).
      const ack = (await call(socket.writeChatMessage(channelId, content))) as {
        message_id: string;
        persistent?: boolean;
      };
      return { messageId: ack.message_id, persistent: ack.persistent === true };
    },
    createMatch: async () => (await call(socket.createMatch())).match_id,
    joinMatch: async (matchId) => {
      await call(socket.joinMatch(matchId));
    },
    joinMatchByToken: async (token) => (await call(socket.joinMatch(undefined, token))).match_id,
    leaveMatch: (matchId) => call(socket.leaveMatch(matchId)),
    sendMatch: (matchId, data) => {
      open();
      void socket.sendMatchState(matchId, 1, data).catch(() => {});
    },
    createParty: async (maxSize) => (await call(socket.createParty(true, maxSize))).party_id,
    joinParty: (partyId) => call(socket.joinParty(partyId)),
    sendParty: (partyId, data) => {
      open();
      void socket.sendPartyData(partyId, 1, data).catch(() => {});
    },
    addMatchmaker: async (query, props) => (await call(socket.addMatchmaker(query, 2, 2, props))).ticket,
    removeMatchmaker: (ticket) => call(socket.removeMatchmaker(ticket)),
    drop: (how) => {
      dropping = true;
      if (how === 'cut') adapter.cut();
      else socket.disconnect(true);
      // nakama-js fires ondisconnect from the close event; a cut socket may take a moment.
      setTimeout(close, 2000).unref();
    },
  };
}

type Envelope = Record<string, unknown> & { cid?: string; error?: { code: number; message: string } };

/**
 * A GameMaker client on the TCP carrier, at byte level: what a GML game does with
 * `network_connect_async` and `network_send_packet`, then `authenticate` as the first envelope.
 */
export async function gmConn(port: number, token: string, events: ConnEvents): Promise<Conn> {
  const socket: NetSocket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const framer = new GmClientFramer();
  const pending = new Map<string, { resolve: (e: Envelope) => void; reject: (e: RequestError) => void }>();
  let cid = 0;
  let dropping = false;
  let closed = false;
  let ready: () => void = () => {};
  let failed: (err: Error) => void = () => {};
  const handshake = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const p of pending.values()) p.reject(new RequestError(-2, 'connection closed'));
    pending.clear();
    failed(new Error('connection closed during the handshake'));
    events.closed(dropping);
  };
  const onEnvelope = (e: Envelope) => {
    if (e.cid !== undefined) {
      const p = pending.get(e.cid);
      pending.delete(e.cid);
      if (!p) return;
      if (e.error) p.reject(new RequestError(e.error.code, e.error.message));
      else p.resolve(e);
      return;
    }
    const md = e.match_data as { match_id: string; data?: string } | undefined;
    if (md) events.matchData(md.match_id, Buffer.from(md.data ?? '', 'base64').toString('latin1'));
  };
  socket.on('data', (chunk: Buffer) => {
    let out: ReturnType<GmClientFramer['receive']>;
    try {
      out = framer.receive(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const o of out) {
      if (o.type === 'send') socket.write(o.bytes);
      else if (o.type === 'ready') ready();
      else onEnvelope(JSON.parse(Buffer.from(o.payload).toString('utf8')) as Envelope);
    }
  });
  socket.on('error', () => {});
  socket.on('close', finish);
  const send = (envelope: object) => {
    if (closed || socket.destroyed) throw new RequestError(-2, 'connection closed');
    socket.write(encodeGmPacket(Buffer.from(`${JSON.stringify(envelope)}\0`)));
  };
  const request = (key: string, body: object): Promise<Envelope> =>
    new Promise((resolve, reject) => {
      const id = String(++cid);
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new RequestError(-1, `${key}: no reply within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, {
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      try {
        send({ cid: id, [key]: body });
      } catch (err) {
        pending.get(id)?.reject(asRequestError(err));
      }
    });
  await Promise.race([
    handshake,
    new Promise((_, reject) => setTimeout(() => reject(new Error('GameMaker handshake timed out')), 10_000)),
  ]);
  await request('authenticate', { token, status: false });
  const unsupported = () => Promise.reject(new RequestError(-3, 'not used on the GameMaker carrier here'));
  return {
    carrier: 'gm-tcp',
    joinChat: async (room) =>
      (
        (await request('channel_join', { target: room, type: 1, persistence: true, hidden: false }))
          .channel as {
          id: string;
        }
      ).id,
    writeChat: async (channelId, content) => {
      const ack = (
        await request('channel_message_send', { channel_id: channelId, content: JSON.stringify(content) })
      ).channel_message_ack as { message_id: string; persistent?: boolean };
      return { messageId: ack.message_id, persistent: ack.persistent === true };
    },
    createMatch: async () => ((await request('match_create', {})).match as { match_id: string }).match_id,
    joinMatch: async (matchId) => {
      await request('match_join', { match_id: matchId });
    },
    joinMatchByToken: async (token) =>
      ((await request('match_join', { token })).match as { match_id: string }).match_id,
    leaveMatch: async (matchId) => {
      await request('match_leave', { match_id: matchId });
    },
    sendMatch: (matchId, data) =>
      send({
        match_data_send: {
          match_id: matchId,
          op_code: '1',
          data: Buffer.from(data, 'latin1').toString('base64'),
        },
      }),
    createParty: unsupported,
    joinParty: unsupported,
    sendParty: () => {
      throw new RequestError(-3, 'not used on the GameMaker carrier here');
    },
    addMatchmaker: unsupported,
    removeMatchmaker: unsupported,
    drop: (how) => {
      dropping = true;
      if (how === 'cut') socket.resetAndDestroy();
      else socket.end();
    },
  };
}
