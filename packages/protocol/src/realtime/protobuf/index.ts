/**
 * Nakama's binary realtime format (`/ws?format=protobuf`): the schema and the codec.
 *
 * @packageDocumentation
 */
export * from './codec.ts';
export { type FastMatchDataSend, MatchDataSendBytes, peekCidPb, plainClientBody } from './fast.ts';
export { encodeMatchDataPb, matchDataHeadPb } from './match-data.ts';
export {
  ENVELOPE_FIELD_NUMBERS,
  envelopeMemberName,
  type PartyNumbering,
  realtimeDescriptor,
} from './schema.ts';
export { isSessionResumePb, SESSION_RESUME_FIELD } from './session-resume-tag.ts';
