/**
 * Filling a room: Tether members are real accounts (device authentication over HTTP, then
 * `/ws?token=`, then `channel_join` of one room); floor members just connect. Both end with a probe
 * (one stamped message that every member must receive), which also gives the size of a delivery.
 *
 * @packageDocumentation
 */
import { RawMember, readBuffer } from './raw-member.ts';
import { nowUs, ROOM_NAME, Room } from './room.ts';

/** Runs `task(i)` for `i` in `[0, count)`, at most `parallel` at a time, in order of start. */
async function pool(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Creates an account for a device over `POST /v2/account/authenticate/device`; returns its session token. */
async function authenticate(port: number, deviceId: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/v2/account/authenticate/device?create=true`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('defaultkey:').toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ id: deviceId }),
  });
  const body = (await res.json()) as { token?: string; message?: string };
  if (res.status !== 200 || !body.token)
    throw new Error(`device authentication: ${res.status} ${body.message}`);
  return body.token;
}

/** Options of {@link setupTetherRoom}. */
export interface TetherRoomOptions {
  readonly port: number;
  readonly members: number;
  /** `persistence` of every member's `channel_join` (stored history for their messages). */
  readonly persistence: boolean;
  /** Makes device ids unique per run (the data folder is new anyway). */
  readonly runId: string;
}

/**
 * Creates `members` accounts, opens their sockets and joins them all to room {@link ROOM_NAME}
 * (`channel_join` type 1, visible), in waves so that presence events batch; then waits for the
 * presence traffic to settle and probes the room.
 */
export async function setupTetherRoom(opts: TetherRoomOptions): Promise<Room> {
  const tokens = new Array<string>(opts.members);
  await pool(opts.members, 16, async (i) => {
    tokens[i] = await authenticate(opts.port, `fanout-${opts.runId}-${String(i).padStart(5, '0')}`);
  });
  const room = new Room('tether');
  const sockets = new Array<RawMember>(opts.members);
  const buffer = readBuffer();
  await pool(opts.members, 32, async (i) => {
    sockets[i] = await RawMember.open(opts.port, `/ws?token=${encodeURIComponent(tokens[i]!)}`, buffer);
  });
  for (const ws of sockets) room.adopt(ws);

  // Join replies: {"cid":"j","channel":{…}} or {"cid":"j","error":{…}}; found without parsing.
  const waiting = new Map<number, (error: string | null) => void>();
  let lastOther = performance.now();
  room.onOther = (member, data) => {
    lastOther = performance.now();
    const done = waiting.get(member);
    if (!done || data.indexOf('"cid":"j"') < 0) return;
    waiting.delete(member);
    done(data.indexOf('"channel":{') >= 0 ? null : data.toString().slice(0, 200));
  };
  const join = JSON.stringify({
    cid: 'j',
    channel_join: { target: ROOM_NAME, type: 1, persistence: opts.persistence, hidden: false },
  });
  const WAVE = 100;
  for (let from = 0; from < opts.members; from += WAVE) {
    const wave: Promise<void>[] = [];
    for (let i = from; i < Math.min(from + WAVE, opts.members); i++) {
      const joined = new Promise<void>((resolve, reject) => {
        waiting.set(i, (error) => (error === null ? resolve() : reject(new Error(`join refused: ${error}`))));
      });
      wave.push(joined);
      room.members[i]!.send(join);
    }
    await withTimeout(Promise.all(wave), 30_000, `channel_join of members ${from}..`);
  }
  // Presence events of the last waves are still arriving: wait for 300 ms of quiet (at most 20 s).
  const settleUntil = performance.now() + 20_000;
  while (performance.now() - lastOther < 300 && performance.now() < settleUntil) {
    await new Promise((r) => setTimeout(r, 50));
  }
  room.onOther = null;
  await probe(room);
  return room;
}

/** Connects `members` clients to a floor server and probes the room. */
export async function setupFloorRoom(port: number, members: number, floorBytes: number): Promise<Room> {
  const room = new Room('floor', floorBytes);
  const sockets = new Array<RawMember>(members);
  const buffer = readBuffer();
  await pool(members, 64, async (i) => {
    sockets[i] = await RawMember.open(port, '/', buffer);
  });
  for (const ws of sockets) room.adopt(ws);
  await probe(room);
  return room;
}

/**
 * Sends one stamped message from member 0 and waits until every member has received it: proof that
 * the room fans out and that the stamp is found in what the members receive.
 */
export async function probe(room: Room): Promise<void> {
  const from = nowUs();
  room.openWindow(from, Number.POSITIVE_INFINITY);
  room.send(0);
  const until = performance.now() + 15_000;
  while (room.counts().delivered < room.members.length && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const got = room.counts().delivered;
  if (got !== room.members.length) {
    throw new Error(`probe: ${got} of ${room.members.length} members received the message`);
  }
}
