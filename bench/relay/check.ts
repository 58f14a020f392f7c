/**
 * Interoperability check of the generator's raw clients against the frameworks' own clients, run
 * once before the ramp: a `@colyseus/sdk` room (or a `socket.io-client` socket) and a raw client of
 * the same match exchange one stamped message each way, and the stamps must come back intact. This
 * shows that the raw frames the generator sends and parses are the ones the official clients speak.
 *
 * @packageDocumentation
 */
import { Client as ColyseusClient } from '@colyseus/sdk';
import { io } from 'socket.io-client';
import { DIALECTS, type Member, type ServerKind } from './dialects.ts';
import {
  payloadTemplate,
  readStamp,
  readStampBase64,
  stampNow,
  writeStamp,
  writeStampBase64,
} from './stamp.ts';

const HOST = '127.0.0.1';
const TIMEOUT_MS = 5000;

/** Sends one stamped message from `raw` and resolves with the stamp it carried. */
function sendRaw(raw: Member): number {
  const frame = Buffer.from(raw.send.frame);
  const stamp = stampNow();
  if (raw.send.base64) writeStampBase64(frame, raw.send.offset, stamp);
  else writeStamp(frame, raw.send.offset, stamp);
  raw.ws.send(frame);
  return stamp;
}

/** Resolves with the first stamp `raw` receives. */
function receiveRaw(kind: ServerKind, raw: Member): Promise<number> {
  return new Promise((resolve) => {
    raw.ws.onFrame((op, buf, start, end) => {
      const s = DIALECTS[kind].stamp(raw.ws, op, buf, start, end);
      if (!Number.isNaN(s)) resolve(s);
    });
  });
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: timed out`)), TIMEOUT_MS);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

function expectSame(what: string, sent: number, got: number): void {
  if (sent !== got) throw new Error(`${what}: stamp ${sent} came back as ${got}`);
}

async function checkColyseus(port: number): Promise<void> {
  const client = new ColyseusClient(`http://${HOST}:${port}`);
  const room = await client.create('relay');
  const raw = await DIALECTS.colyseus.join({ host: HOST, port, runId: 'check' }, 0, 1, room.roomId);
  try {
    const atSdk = new Promise<number>((resolve) =>
      room.onMessage(1, (m: Uint8Array) => resolve(readStamp(Buffer.from(m), 0))),
    );
    expectSame('raw → @colyseus/sdk', sendRaw(raw), await withTimeout(atSdk, 'raw → @colyseus/sdk'));
    const atRaw = receiveRaw('colyseus', raw);
    const payload = payloadTemplate();
    const stamp = stampNow();
    writeStamp(payload, 0, stamp);
    room.sendBytes(1, payload);
    expectSame('@colyseus/sdk → raw', stamp, await withTimeout(atRaw, '@colyseus/sdk → raw'));
  } finally {
    raw.ws.close();
    await room.leave().catch(() => {});
  }
}

async function checkSocketIo(port: number): Promise<void> {
  const socket = io(`http://${HOST}:${port}`, {
    transports: ['websocket'],
    query: { room: 'check' },
    reconnection: false,
  });
  await withTimeout(
    new Promise<void>((resolve) => socket.once('connect', () => resolve())),
    'socket.io-client connect',
  );
  const raw = await DIALECTS.socketio.join({ host: HOST, port, runId: 'check' }, 0, 1, 'check');
  try {
    const atClient = new Promise<number>((resolve) =>
      socket.once('m', (m: string) => resolve(readStampBase64(Buffer.from(m, 'latin1'), 0))),
    );
    expectSame('raw → socket.io-client', sendRaw(raw), await withTimeout(atClient, 'raw → socket.io-client'));
    const atRaw = receiveRaw('socketio', raw);
    const payload = payloadTemplate();
    const stamp = stampNow();
    writeStamp(payload, 0, stamp);
    socket.emit('m', payload.toString('base64'));
    expectSame('socket.io-client → raw', stamp, await withTimeout(atRaw, 'socket.io-client → raw'));
  } finally {
    raw.ws.close();
    socket.disconnect();
  }
}

/**
 * Checks the raw clients of `kind` against its official client; resolves with a one-line verdict
 * (never rejects). Servers without a framework client (plain ws, Tether) are checked by the ramp
 * itself: a step whose deliveries do not arrive fails.
 */
export async function checkInterop(kind: ServerKind, port: number): Promise<string> {
  try {
    if (kind === 'colyseus') await checkColyseus(port);
    else if (kind === 'socketio') await checkSocketIo(port);
    else return 'raw clients only';
    return `ok (${kind === 'colyseus' ? '@colyseus/sdk' : 'socket.io-client'} ↔ raw client, both ways)`;
  } catch (err) {
    return `FAILED: ${err instanceof Error ? err.message : String(err)}`;
  }
}
