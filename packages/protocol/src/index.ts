/**
 * `@tether/protocol`: Tether's wire protocol. Pure code only (no I/O, no `node:` modules, no
 * Buffer), so the same module runs in the server, in the client SDK and in browsers.
 *
 * @packageDocumentation
 */
export * from './errors.ts';
export * from './gamemaker/buffer.ts';
export { f16Bits, f16FromBits, f16Round } from './gamemaker/f16.ts';
export * from './gamemaker/framing.ts';
export { decodeGmText, decodeUtf8, encodeUtf8 } from './gamemaker/utf8.ts';
export * from './grpc-codes.ts';
export * from './realtime/index.ts';
