// nakama-js-protobuf 1.4.0 ships typings, but its package.json `exports` map does not point to them,
// so TypeScript's NodeNext resolution cannot find them. This declares the one export the tests use.
declare module '@heroiclabs/nakama-js-protobuf' {
  import type { WebSocketAdapter } from '@heroiclabs/nakama-js';

  /** The protobuf socket adapter: binary frames, `&format=protobuf` on the socket URL. */
  export const WebSocketAdapterPb: new () => WebSocketAdapter;
}
