/**
 * Nakama's binary realtime format (`/ws?format=protobuf`): the schema and the codec.
 *
 * @packageDocumentation
 */
export * from './codec.ts';
export { peekCidPb } from './fast.ts';
export {
  ENVELOPE_FIELD_NUMBERS,
  envelopeMemberName,
  type PartyNumbering,
  realtimeDescriptor,
} from './schema.ts';
