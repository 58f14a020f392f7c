/**
 * How the load generator speaks to each server under test: joining a match (room) and the prepared
 * frame of one relayed message, then finding the send stamp in a relayed frame. All dialects run
 * on {@link RawWebSocket}, so the cost per message on the generator side is the same order for every
 * server: one pooled copy of a prepared frame per send, one bounded look-up per receive.
 *
 * - `ws` (and `ws-batched`): `/?room=<m>`, binary frames carrying the 48-byte payload as is.
 * - `ws-batched-sized`: the batched `ws` relay, but its clients send text frames of
 *   {@link TETHER_PUSH_BYTES}, the size of Tether's JSON `match_data` push for the same payload (a
 *   push's text with fixed ids, the payload in base64), so the kernel's and `ws`'s cost of the larger
 *   frame (copy, UTF-8 check) is paid by the floor too. A reference beside `ws-batched`, never
 *   instead of it.
 * - `colyseus`: HTTP seat reservation (`/matchmake/create/relay`, then `/matchmake/joinById/<id>`),
 *   socket `/<processId>/<roomId>?sessionId=…`, JOIN_ROOM acknowledged, then ROOM_DATA_BYTES frames
 *   `[17][type 1][payload]`, as `@colyseus/sdk` 0.18 sends `room.sendBytes(1, bytes)` (and as the
 *   room's `broadcast(1, bytes)` relays it): Colyseus's binary path, no msgpack.
 * - `socketio`: Engine.IO 4 over `/socket.io/?EIO=4&transport=websocket&room=<m>`, namespace
 *   connect `40`, events `42["m","<base64>"]`, Engine.IO pings (`2`) answered with `3`.
 * - `tether`: Nakama device authentication over HTTP, `/ws?token=…`, `match_create` /
 *   `match_join`, then `match_data_send` envelopes; relayed `match_data` carries base64 `data`.
 * - `tether-pb`: the same over `/ws?format=protobuf`: binary frames carrying Nakama's protobuf
 *   `Envelope` (as nakama-js-protobuf sends them), whose `data` is the payload's raw bytes.
 *
 * @packageDocumentation
 */
import { decodeServerEnvelopePb, encodeClientEnvelopePb } from '@tether/protocol';
import { PAYLOAD_BYTES, payloadBase64, payloadTemplate, readStamp, readStampBase64 } from './stamp.ts';
import { clientFrame, headerLength, Opcode, RawWebSocket, textFrame } from './wire.ts';

/** The servers a run can measure. */
export const SERVER_KINDS = [
  'ws',
  'ws-batched',
  'ws-batched-sized',
  'colyseus',
  'socketio',
  'tether',
  'tether-cluster',
  'tether-before',
  'tether-pb',
  'tether-pb-before',
] as const;
/** One server under test. */
export type ServerKind = (typeof SERVER_KINDS)[number];

/** The prepared frame of one relayed message: the stamp goes at `offset`, binary or base64. */
export interface SendTemplate {
  readonly frame: Buffer;
  readonly offset: number;
  readonly base64: boolean;
}

/** A connected, joined match member. */
export interface Member {
  readonly ws: RawWebSocket;
  readonly send: SendTemplate;
}

/** What a dialect needs to reach its server. */
export interface Target {
  readonly host: string;
  readonly port: number;
  /**
   * Every port of a multi-node server (`tether-cluster`): member k of a match connects to
   * `ports[k % ports.length]`, so a match's clients are spread evenly over the nodes.
   */
  readonly ports?: readonly number[];
  /** Distinguishes this run's accounts (Tether device ids). */
  readonly runId: string;
}

/** One server's client protocol, as the load generator speaks it. */
export interface Dialect {
  /** Opens member 0 of match `m`, which creates the match; `ref` is what the others join with. */
  create(t: Target, m: number): Promise<{ member: Member; ref: string }>;
  /** Opens member `k` (1–7) of match `m` created as `ref`. */
  join(t: Target, m: number, k: number, ref: string): Promise<Member>;
  /**
   * The send stamp (ms) of a relayed message frame, or NaN for any other frame; may answer
   * protocol-level pings on `ws`.
   */
  stamp(ws: RawWebSocket, opcode: number, buf: Buffer, start: number, end: number): number;
}

/** Waits for the first frame that `pick` accepts (returns non-undefined), or rejects after `ms`. */
function nextFrame<T>(ws: RawWebSocket, pick: (text: Buffer) => T | undefined, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reply from the server')), ms);
    ws.onClose(() => {
      clearTimeout(timer);
      reject(new Error('closed by the server during setup'));
    });
    ws.onFrame((_op, buf, start, end) => {
      const v = pick(buf.subarray(start, end));
      if (v === undefined) return;
      clearTimeout(timer);
      ws.onFrame(() => {});
      ws.onClose(() => {});
      resolve(v);
    });
  });
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${new URL(url).pathname}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

function binaryTemplate(prefix: number[]): SendTemplate {
  const payload = Buffer.concat([Buffer.from(prefix), payloadTemplate()]);
  return {
    frame: clientFrame(Opcode.binary, payload),
    offset: headerLength(payload.length) + prefix.length,
    base64: false,
  };
}

function textTemplate(before: string, after: string): SendTemplate {
  const payload = Buffer.from(`${before}${payloadBase64()}${after}`, 'utf8');
  return {
    frame: clientFrame(Opcode.text, payload),
    offset: headerLength(payload.length) + Buffer.byteLength(before),
    base64: true,
  };
}

/** Plain `ws` relays: the room is a query parameter. */
const wsDialect: Dialect = {
  async create(t, m) {
    const member = await this.join(t, m, 0, String(m));
    return { member, ref: String(m) };
  },
  async join(t, _m, _k, ref) {
    const ws = await RawWebSocket.connect(t.host, t.port, `/?room=${ref}`);
    return { ws, send: binaryTemplate([]) };
  },
  stamp(_ws, opcode, buf, start, end) {
    return opcode === Opcode.binary && end - start === PAYLOAD_BYTES ? readStamp(buf, start) : Number.NaN;
  },
};

/**
 * Bytes of the payload of Tether's JSON `match_data` push carrying the 48-byte payload (match id,
 * op code, the sender's presence with a 10-letter username, 64 characters of base64), as the relay
 * bench's `tether` lane receives it.
 */
export const TETHER_PUSH_BYTES = 293;

/**
 * The batched `ws` relay with frames of Tether's push size (text, like Tether's). Rooms are made as
 * `wsDialect` makes them (its `create` calls this dialect's own `join`).
 */
const wsSizedDialect: Dialect = {
  create: wsDialect.create,
  async join(t, _m, _k, ref) {
    const ws = await RawWebSocket.connect(t.host, t.port, `/?room=${ref}`);
    const id = '00000000-0000-4000-8000-000000000000';
    const send = textTemplate(
      `{"match_data":{"match_id":"${id}.","op_code":"1","presence":{"user_id":"${id}","session_id":"${id}","username":"relaybench"},"data":"`,
      '"}}',
    );
    const bytes = send.frame.length - headerLength(TETHER_PUSH_BYTES);
    if (bytes !== TETHER_PUSH_BYTES) throw new Error(`ws-batched-sized: frame of ${bytes} bytes`);
    return { ws, send };
  },
  stamp(ws, opcode, buf, start, end) {
    return end - start === TETHER_PUSH_BYTES ? tetherDialect.stamp(ws, opcode, buf, start, end) : Number.NaN;
  },
};

/** Colyseus protocol bytes (`@colyseus/shared-types` Protocol). */
const JOIN_ROOM = 10;
const ROOM_DATA_BYTES = 17;

interface SeatReservation {
  readonly sessionId: string;
  readonly roomId: string;
  readonly processId?: string;
}

const colyseusDialect: Dialect = {
  async create(t, m) {
    const seat = (await postJson(`http://${t.host}:${t.port}/matchmake/create/relay`, {})) as SeatReservation;
    return { member: await colyseusConnect(t, seat, m), ref: seat.roomId };
  },
  async join(t, m, _k, ref) {
    const seat = (await postJson(
      `http://${t.host}:${t.port}/matchmake/joinById/${ref}`,
      {},
    )) as SeatReservation;
    return colyseusConnect(t, seat, m);
  },
  stamp(_ws, opcode, buf, start, end) {
    return opcode === Opcode.binary &&
      end - start === PAYLOAD_BYTES + 2 &&
      buf[start] === ROOM_DATA_BYTES &&
      buf[start + 1] === 1
      ? readStamp(buf, start + 2)
      : Number.NaN;
  },
};

async function colyseusConnect(t: Target, seat: SeatReservation, m: number): Promise<Member> {
  if (!seat.roomId || !seat.sessionId) throw new Error(`match ${m}: no seat reservation`);
  const ws = await RawWebSocket.connect(
    t.host,
    t.port,
    `/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`,
  );
  await nextFrame(ws, (f) => (f[0] === JOIN_ROOM ? true : undefined));
  ws.send(clientFrame(Opcode.binary, Buffer.from([JOIN_ROOM])));
  return { ws, send: binaryTemplate([ROOM_DATA_BYTES, 1]) };
}

/** Engine.IO `2` (ping) and Socket.IO's `42["m","` event prefix. */
const SIO_PREFIX = Buffer.from('42["m","');
const SIO_PONG = textFrame('3');

const socketioDialect: Dialect = {
  async create(t, m) {
    return { member: await this.join(t, m, 0, String(m)), ref: String(m) };
  },
  async join(t, _m, _k, ref) {
    const ws = await RawWebSocket.connect(
      t.host,
      t.port,
      `/socket.io/?EIO=4&transport=websocket&room=${ref}`,
    );
    await nextFrame(ws, (f) => (f[0] === 0x30 ? true : undefined)); // Engine.IO open
    const connected = nextFrame(ws, (f) => (f[0] === 0x34 && f[1] === 0x30 ? true : undefined));
    ws.send(textFrame('40'));
    await connected;
    return { ws, send: textTemplate('42["m","', '"]') };
  },
  stamp(ws, opcode, buf, start, end) {
    if (opcode !== Opcode.text) return Number.NaN;
    if (end - start === 1 && buf[start] === 0x32) {
      ws.send(SIO_PONG);
      return Number.NaN;
    }
    return end - start > SIO_PREFIX.length + 12 && buf[start] === 0x34 && buf[start + 1] === 0x32
      ? readStampBase64(buf, start + SIO_PREFIX.length)
      : Number.NaN;
  },
};

const DATA_KEY = Buffer.from('"data":"');
const SERVER_KEY_BASIC = `Basic ${Buffer.from('defaultkey:').toString('base64')}`;

async function tetherSocket(t: Target, m: number, k: number): Promise<RawWebSocket> {
  const port = t.ports ? (t.ports[k % t.ports.length] as number) : t.port;
  const auth = (await postJson(
    `http://${t.host}:${port}/v2/account/authenticate/device?create=true`,
    { id: `relay-${t.runId}-${m}-${k}` },
    { authorization: SERVER_KEY_BASIC },
  )) as { token?: string };
  if (!auth.token) throw new Error('authenticate/device: no token');
  return RawWebSocket.connect(
    t.host,
    port,
    `/ws?lang=en&status=false&token=${encodeURIComponent(auth.token)}`,
  );
}

/** Sends `{"cid":"1", <key>: body}` and resolves with the reply's `match.match_id`. */
async function tetherMatchRequest(ws: RawWebSocket, key: string, body: object): Promise<string> {
  const reply = nextFrame(ws, (f) => {
    const text = f.toString('utf8');
    if (!text.includes('"cid":"1"')) return undefined;
    return JSON.parse(text) as { match?: { match_id?: string }; error?: { message?: string } };
  });
  ws.send(textFrame(JSON.stringify({ cid: '1', [key]: body })));
  const env = await reply;
  const id = env.match?.match_id;
  if (!id) throw new Error(`${key}: ${env.error?.message ?? JSON.stringify(env).slice(0, 200)}`);
  return id;
}

function tetherTemplate(matchId: string): SendTemplate {
  return textTemplate(
    `{"match_data_send":{"match_id":${JSON.stringify(matchId)},"op_code":"1","data":"`,
    '","presences":[]}}',
  );
}

const tetherDialect: Dialect = {
  async create(t, m) {
    const ws = await tetherSocket(t, m, 0);
    const id = await tetherMatchRequest(ws, 'match_create', {});
    return { member: { ws, send: tetherTemplate(id) }, ref: id };
  },
  async join(t, m, k, ref) {
    const ws = await tetherSocket(t, m, k);
    // On another node of a cluster, the match exists there once the creator's presence has arrived
    // (a bus hop after the create reply): a join that came first is retried, bounded.
    for (let attempt = 0; ; attempt++) {
      try {
        await tetherMatchRequest(ws, 'match_join', { match_id: ref });
        return { ws, send: tetherTemplate(ref) };
      } catch (err) {
        if (!t.ports || attempt >= 40 || !String((err as Error).message).includes('Match not found'))
          throw err;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  },
  stamp(_ws, opcode, buf, start, end) {
    if (opcode !== Opcode.text) return Number.NaN;
    const at = buf.indexOf(DATA_KEY, start);
    return at >= 0 && at + DATA_KEY.length + 12 <= end
      ? readStampBase64(buf, at + DATA_KEY.length)
      : Number.NaN;
  },
};

/** The payload bytes after the 8-byte stamp: how a relayed protobuf frame's stamp is found. */
const PAYLOAD_TAIL = payloadTemplate().subarray(8);

/** Sends a protobuf envelope with cid "1" and resolves with the reply's `match.match_id`. */
async function tetherPbMatchRequest(ws: RawWebSocket, key: string, body: object): Promise<string> {
  const reply = nextFrame(ws, (f) => {
    try {
      const env = decodeServerEnvelopePb(f) as { cid?: string; type: string; body?: unknown };
      return env.cid === '1' ? env : undefined;
    } catch {
      return undefined;
    }
  });
  ws.send(clientFrame(Opcode.binary, Buffer.from(encodeClientEnvelopePb({ cid: '1', [key]: body }))));
  const env = await reply;
  const id = env.type === 'match' ? (env.body as { match_id?: string }).match_id : undefined;
  if (!id) throw new Error(`${key} (protobuf): ${JSON.stringify(env).slice(0, 200)}`);
  return id;
}

function tetherPbTemplate(matchId: string): SendTemplate {
  const payload = payloadTemplate();
  const env = Buffer.from(
    encodeClientEnvelopePb({ match_data_send: { match_id: matchId, op_code: 1, data: payload } }),
  );
  const at = env.indexOf(PAYLOAD_TAIL) - 8;
  if (at < 0) throw new Error('protobuf match_data_send: payload not found in the encoded envelope');
  return { frame: clientFrame(Opcode.binary, env), offset: headerLength(env.length) + at, base64: false };
}

async function tetherPbSocket(t: Target, m: number, k: number): Promise<RawWebSocket> {
  const auth = (await postJson(
    `http://${t.host}:${t.port}/v2/account/authenticate/device?create=true`,
    { id: `relay-pb-${t.runId}-${m}-${k}` },
    { authorization: SERVER_KEY_BASIC },
  )) as { token?: string };
  if (!auth.token) throw new Error('authenticate/device: no token');
  return RawWebSocket.connect(
    t.host,
    t.port,
    `/ws?lang=en&status=false&format=protobuf&token=${encodeURIComponent(auth.token)}`,
  );
}

const tetherPbDialect: Dialect = {
  async create(t, m) {
    const ws = await tetherPbSocket(t, m, 0);
    const id = await tetherPbMatchRequest(ws, 'match_create', {});
    return { member: { ws, send: tetherPbTemplate(id) }, ref: id };
  },
  async join(t, m, k, ref) {
    const ws = await tetherPbSocket(t, m, k);
    await tetherPbMatchRequest(ws, 'match_join', { match_id: ref });
    return { ws, send: tetherPbTemplate(ref) };
  },
  stamp(_ws, opcode, buf, start, end) {
    if (opcode !== Opcode.binary) return Number.NaN;
    // Searched within the frame only (the read buffer is shared and longer).
    const at = buf.subarray(start, end).indexOf(PAYLOAD_TAIL);
    return at >= 8 ? readStamp(buf, start + at - 8) : Number.NaN;
  },
};

/** The dialect of each server kind. */
export const DIALECTS: Readonly<Record<ServerKind, Dialect>> = {
  ws: wsDialect,
  'ws-batched': wsDialect,
  'ws-batched-sized': wsSizedDialect,
  colyseus: colyseusDialect,
  socketio: socketioDialect,
  tether: tetherDialect,
  'tether-cluster': tetherDialect,
  'tether-before': tetherDialect,
  'tether-pb': tetherPbDialect,
  'tether-pb-before': tetherPbDialect,
};
