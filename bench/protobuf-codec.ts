/**
 * Protobuf codec micro-benchmark: the candidates for Tether's `format=protobuf` envelope codec, on the
 * messages that matter for speed. Each row does the whole job the server (or a client) needs:
 *
 * - decode `match_data_send` (77 B, as nakama-js-protobuf sends it): bytes → JSON-shaped body
 *   (`op_code` decimal text, `data` base64), the form the shared schema validation takes;
 * - encode `match_data` with a sender presence (166 B): JSON-shaped body → bytes;
 * - encode and decode `channel_message` (wrappers and two timestamps).
 *
 * Candidates: protobufjs 8 reflection (what `packages/protocol` ships, measured through its real
 * entry points) and `@bufbuild/protobuf` 2 reflection on the same schema, with the mapping a Tether
 * codec would need (camelCase names, oneof `{case, value}`, bigint int64, Timestamp messages). JSON
 * (Tether's JSON codec) is the baseline. Two extra rows explain choices inside the codec: protobufjs's
 * own generated `Envelope` decoder (slow: its 50-member oneof deletes 49 keys per message, so the
 * codec frames the Envelope itself) and a bare protobufjs encode (the cost of the JSON-shape layer).
 *
 * Run: `npm run protobuf-codec --prefix bench`. Prints ns/op (median of 5 runs) for each row.
 */
import { create, createFileRegistry, type DescMessage, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  decodeBase64,
  decodeEnvelope,
  decodeEnvelopePb,
  decodeServerEnvelope,
  decodeServerEnvelopePb,
  encodeBase64,
  encodeEnvelopePb,
  realtimeDescriptor,
} from '@tether/protocol';
// Adds `Root#toDescriptor` (bench only): the same schema, handed to @bufbuild/protobuf as a descriptor.
import descriptor from 'protobufjs/ext/descriptor/index.js';
import protobuf from 'protobufjs/light.js';
// The shared body validation both Tether decoders end with, so every decode row does the same job.
import { validateClientMessage } from '../packages/protocol/src/realtime/client-message.ts';

const WARMUP = 20_000;
const ITERATIONS = 100_000;
const RUNS = 5;

const MATCH_ID = 'a3d5e7f9-1b2c-4d6e-8f0a-1b2c3d4e5f6a.';
const PRESENCE = {
  user_id: '4c2ae592-b2a7-445e-98ec-697694478b1c',
  session_id: '8f3a2c1e-5b7d-4e9f-a0b1-c2d3e4f5a6b7',
  username: 'player01',
};
const DATA = new Uint8Array(32).map((_, i) => i * 7);
const DATA_B64 = encodeBase64(DATA);

const MATCH_DATA = { match_id: MATCH_ID, presence: PRESENCE, op_code: '1', data: DATA_B64 };
const CHANNEL_MESSAGE = {
  channel_id: '2...lobby',
  message_id: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
  code: 0,
  sender_id: PRESENCE.user_id,
  username: PRESENCE.username,
  content: '{"text":"hello there, how are you?"}',
  create_time: '2025-03-04T05:06:07Z',
  update_time: '2025-03-04T05:06:07Z',
  persistent: true,
  room_name: 'lobby',
};

// biome-ignore lint/suspicious/noExplicitAny: descriptors and @bufbuild reflection messages are untyped here
type Any = any;

// --- protobufjs raw (no JSON-shape layer) -------------------------------------------------------
const pbjsRoot = protobuf.Root.fromJSON(realtimeDescriptor('legacy') as protobuf.INamespace);
pbjsRoot.resolveAll();
const PbEnvelope = pbjsRoot.lookupType('nakama.realtime.Envelope');

// --- @bufbuild/protobuf reflection on the same schema -------------------------------------------
const FileDescriptorSet = (descriptor as unknown as { FileDescriptorSet: protobuf.Type }).FileDescriptorSet;
const setObject = FileDescriptorSet.toObject(
  (pbjsRoot as unknown as { toDescriptor(e: string): protobuf.Message }).toDescriptor('proto3'),
) as { file: Any[] };
// protobufjs writes relative type names and no imports; @bufbuild/protobuf wants both spelled out.
function qualify(message: Any, type: protobuf.Type): void {
  for (const field of message.field ?? []) {
    if (field.typeName === undefined) continue;
    const entry = (message.nestedType ?? []).find(
      (n: Any) => n.name === field.typeName && n.options?.mapEntry,
    );
    field.typeName = entry
      ? `${type.fullName}.${field.typeName}`
      : type.fields[field.name]!.resolvedType!.fullName;
  }
  for (const nested of message.nestedType ?? []) {
    const inner = type.nested?.[nested.name];
    if (inner instanceof protobuf.Type) qualify(nested, inner);
  }
}
// Files come out in dependency order (google.protobuf, nakama.api, nakama.realtime).
for (const [index, file] of setObject.file.entries()) {
  file.dependency = setObject.file.slice(0, index).map((f) => f.name);
  for (const message of file.messageType)
    qualify(message, pbjsRoot.lookupType(`${file.package}.${message.name}`));
}
const setBytes = FileDescriptorSet.encode(FileDescriptorSet.fromObject(setObject)).finish();
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, setBytes));
const BufEnvelope = registry.getMessage('nakama.realtime.Envelope') as DescMessage;

function bufPresence(p: typeof PRESENCE): Any {
  return { userId: p.user_id, sessionId: p.session_id, username: p.username };
}

function bufDecodeMatchDataSend(bytes: Uint8Array): object {
  const env = fromBinary(BufEnvelope, bytes) as Any;
  const v = env.message.value;
  const out: Record<string, unknown> = { match_id: v.matchId };
  if (v.opCode !== 0n) out.op_code = String(v.opCode);
  if (v.data.length > 0) out.data = encodeBase64(v.data);
  if (v.reliable) out.reliable = true;
  return out;
}

function bufEncodeMatchData(body: typeof MATCH_DATA): Uint8Array {
  const value = {
    matchId: body.match_id,
    presence: bufPresence(body.presence),
    opCode: BigInt(body.op_code),
    data: decodeBase64(body.data),
  };
  return toBinary(BufEnvelope, create(BufEnvelope, { message: { case: 'matchData', value } } as Any));
}

function bufEncodeChannelMessage(m: typeof CHANNEL_MESSAGE): Uint8Array {
  const value = {
    channelId: m.channel_id,
    messageId: m.message_id,
    code: m.code,
    senderId: m.sender_id,
    username: m.username,
    content: m.content,
    createTime: timestampFromDate(new Date(m.create_time)),
    updateTime: timestampFromDate(new Date(m.update_time)),
    persistent: m.persistent,
    roomName: m.room_name,
  };
  return toBinary(BufEnvelope, create(BufEnvelope, { message: { case: 'channelMessage', value } } as Any));
}

function bufDecodeChannelMessage(bytes: Uint8Array): object {
  const v = (fromBinary(BufEnvelope, bytes) as Any).message.value;
  const iso = (t: Any) => `${timestampDate(t).toISOString().slice(0, 19)}Z`;
  return {
    channel_id: v.channelId,
    message_id: v.messageId,
    code: v.code,
    sender_id: v.senderId,
    username: v.username,
    content: v.content,
    create_time: iso(v.createTime),
    update_time: iso(v.updateTime),
    persistent: v.persistent,
    room_name: v.roomName,
  };
}

// --- inputs ---------------------------------------------------------------------------------------
const MATCH_DATA_SEND_PB = encodeEnvelopePb({
  match_data_send: { match_id: MATCH_ID, op_code: 1, data: DATA },
});
const MATCH_DATA_SEND_JSON = JSON.stringify({
  match_data_send: { match_id: MATCH_ID, op_code: '1', data: DATA_B64, presences: [] },
});
const MATCH_DATA_PB = encodeEnvelopePb({ match_data: MATCH_DATA });
const CHANNEL_MESSAGE_PB = encodeEnvelopePb({ channel_message: CHANNEL_MESSAGE });
const CHANNEL_MESSAGE_JSON = JSON.stringify({ channel_message: CHANNEL_MESSAGE });

let sink: unknown;

/** Median ns/op over {@link RUNS} runs of {@link ITERATIONS} calls, after a warm-up. */
function measure(fn: () => unknown): number {
  for (let i = 0; i < WARMUP; i++) sink = fn();
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) sink = fn();
    runs.push(Number(process.hrtime.bigint() - start) / ITERATIONS);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(RUNS / 2)]!;
}

const ROWS: [string, string, () => unknown][] = [
  [
    'decode match_data_send',
    'tether decodeEnvelopePb (protobufjs + validation)',
    () => decodeEnvelopePb(MATCH_DATA_SEND_PB),
  ],
  [
    'decode match_data_send',
    '@bufbuild/protobuf fromBinary + mapping + validation',
    () => validateClientMessage('match_data_send', bufDecodeMatchDataSend(MATCH_DATA_SEND_PB), undefined),
  ],
  [
    'decode match_data_send',
    'protobufjs generated Envelope.decode (not used)',
    () => PbEnvelope.decode(MATCH_DATA_SEND_PB),
  ],
  ['decode match_data_send', 'JSON decodeEnvelope (baseline)', () => decodeEnvelope(MATCH_DATA_SEND_JSON)],
  [
    'encode match_data',
    'tether encodeEnvelopePb (protobufjs)',
    () => encodeEnvelopePb({ match_data: MATCH_DATA }),
  ],
  [
    'encode match_data',
    'protobufjs Type.encode, bytes given (no conversion)',
    () =>
      PbEnvelope.encode({
        match_data: { match_id: MATCH_ID, presence: PRESENCE, op_code: 1, data: decodeBase64(DATA_B64) },
      }).finish(),
  ],
  ['encode match_data', '@bufbuild/protobuf create + toBinary', () => bufEncodeMatchData(MATCH_DATA)],
  ['encode match_data', 'JSON.stringify (baseline)', () => JSON.stringify({ match_data: MATCH_DATA })],
  [
    'encode channel_message',
    'tether encodeEnvelopePb (protobufjs)',
    () => encodeEnvelopePb({ channel_message: CHANNEL_MESSAGE }),
  ],
  [
    'encode channel_message',
    '@bufbuild/protobuf create + toBinary',
    () => bufEncodeChannelMessage(CHANNEL_MESSAGE),
  ],
  [
    'encode channel_message',
    'JSON.stringify (baseline)',
    () => JSON.stringify({ channel_message: CHANNEL_MESSAGE }),
  ],
  [
    'decode match_data (client)',
    'tether decodeServerEnvelopePb',
    () => decodeServerEnvelopePb(MATCH_DATA_PB),
  ],
  [
    'decode match_data (client)',
    'JSON decodeServerEnvelope',
    () => decodeServerEnvelope(JSON.stringify({ match_data: MATCH_DATA })),
  ],
  [
    'decode channel_message (client)',
    'tether decodeServerEnvelopePb',
    () => decodeServerEnvelopePb(CHANNEL_MESSAGE_PB),
  ],
  [
    'decode channel_message (client)',
    '@bufbuild/protobuf fromBinary + mapping',
    () => bufDecodeChannelMessage(CHANNEL_MESSAGE_PB),
  ],
  [
    'decode channel_message (client)',
    'JSON decodeServerEnvelope',
    () => decodeServerEnvelope(CHANNEL_MESSAGE_JSON),
  ],
];

console.log(`node ${process.version}; ${ITERATIONS} iterations x ${RUNS} runs, median ns/op`);
console.log(
  `sizes: match_data_send ${MATCH_DATA_SEND_PB.length} B pb / ${MATCH_DATA_SEND_JSON.length} B json; ` +
    `match_data ${MATCH_DATA_PB.length} B pb / ${JSON.stringify({ match_data: MATCH_DATA }).length} B json; ` +
    `channel_message ${CHANNEL_MESSAGE_PB.length} B pb / ${CHANNEL_MESSAGE_JSON.length} B json`,
);
for (const [what, how, fn] of ROWS)
  console.log(`${what.padEnd(32)} ${how.padEnd(52)} ${measure(fn).toFixed(0).padStart(6)}`);
if (sink === undefined) console.log('');
