/**
 * What session resume costs on the hot path: a broadcast delivered to many sessions, each queuing it
 * and writing it once per turn, with resumable sessions (every write numbered and kept in a bounded
 * ResumeBuffer) against plain ones, measured in the same run, rounds alternating.
 *
 * In process, no sockets: the carrier encodes the message once per format (as the real one does) and
 * drops the bytes, so the figure is the session layer's own CPU per delivered message. Bounded:
 * ROUNDS × 2 runs of SESSIONS × MESSAGES deliveries.
 *
 *   npm run resume-buffer --prefix bench
 */
import { OutboundMessage } from '../packages/server/src/presence/outbound.ts';
import { ResumeBuffer } from '../packages/server/src/session/resume-buffer.ts';
import { Session, type SessionCarrier } from '../packages/server/src/session/session.ts';
import { TurnBatcher } from '../packages/server/src/session/turn-batcher.ts';

const SESSIONS = Number(process.env.SESSIONS ?? 1000);
const MESSAGES = Number(process.env.MESSAGES ?? 400);
const PER_TURN = 8;
const ROUNDS = Number(process.env.ROUNDS ?? 6);

const encoder = (m: OutboundMessage) => Buffer.from(m.text, 'utf8');
let sink = 0;

function sessions(resumable: boolean): { all: Session[]; flush: () => void } {
  const pending: (() => void)[] = [];
  // One batcher for all the sessions, as a server has: `flush` runs its end-of-turn callback.
  const batcher = new TurnBatcher((fn) => pending.push(fn));
  const carrier: SessionCarrier = {
    format: 'json-text',
    remoteAddress: '127.0.0.1',
    bufferedBytes: 0,
    writeBatch: (ms) => {
      for (const m of ms) sink += m.bytes('json-text', encoder).byteLength;
    },
    close: () => {},
  };
  const all: Session[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const s = new Session({
      id: `s${i}`,
      identity: { userId: `u${i}`, username: `u${i}`, tokenId: 't', expiresAt: 0, vars: {}, lang: 'en' },
      carrier,
      limits: { maxQueuedMessages: 1024, maxBufferedBytes: 1 << 30 },
      onClose: () => {},
      batcher,
    });
    if (resumable) s.makeResumable(new ResumeBuffer({ maxMessages: 1000, maxBytes: 256 * 1024 }), () => {});
    all.push(s);
  }
  return {
    all,
    flush: () => {
      for (const fn of pending.splice(0)) fn();
    },
  };
}

/** CPU microseconds for SESSIONS × MESSAGES deliveries. */
function run(resumable: boolean): number {
  const { all, flush } = sessions(resumable);
  const start = process.cpuUsage();
  for (let m = 0; m < MESSAGES; m++) {
    const message = new OutboundMessage({
      channel_message: {
        channel_id: '2...lobby',
        message_id: `m${m}`,
        content: `{"seq":${m},"text":"hello there"}`,
      },
    });
    for (const s of all) s.deliver(message);
    if (m % PER_TURN === PER_TURN - 1) flush();
  }
  flush();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

run(false);
run(true); // warm-up
const plain: number[] = [];
const resumable: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  plain.push(run(false));
  resumable.push(run(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const deliveries = SESSIONS * MESSAGES;
const p = median(plain);
const q = median(resumable);
console.log(`${SESSIONS} sessions × ${MESSAGES} messages, ${PER_TURN} per turn, ${ROUNDS} rounds (medians)`);
console.log(`plain      ${((p * 1000) / deliveries).toFixed(1)} ns CPU per delivery`);
console.log(`resumable  ${((q * 1000) / deliveries).toFixed(1)} ns CPU per delivery`);
console.log(`ratio resumable / plain: ${(q / p).toFixed(2)}  (bytes written ${sink})`);
