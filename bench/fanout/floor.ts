/**
 * The floor of the fan-out benchmark: a plain `ws` broadcast server with one room (every connected
 * client). Each inbound text message is re-broadcast to every client, sender included, as the same
 * bytes it arrived as — encoded once, never re-serialised — which is the least work a WebSocket
 * server can do for a chat message and so the fairest reference for a protocol server's fan-out.
 *
 * @packageDocumentation
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

/** A running floor server. */
export interface FloorServer {
  readonly port: number;
  close(): Promise<void>;
}

interface Member {
  readonly ws: WebSocket;
  readonly socket: Duplex;
}

function asBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/**
 * Starts the floor on 127.0.0.1 (random port).
 *
 * - `batched: false`: each inbound message is sent to every member at once, one `ws.send` each.
 * - `batched: true`: inbound messages are queued and written once per event-loop turn, each member's
 *   frames between `cork()` and `uncork()` of its socket (one write per member per turn), which is
 *   how Tether's sessions write.
 */
export async function startFloor(batched: boolean): Promise<FloorServer> {
  const members = new Set<Member>();
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  let queue: Buffer[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const frames = queue;
    queue = [];
    for (const m of members) {
      if (m.ws.readyState !== WebSocket.OPEN) continue;
      m.socket.cork();
      for (const frame of frames) m.ws.send(frame, { binary: false });
      m.socket.uncork();
    }
  };

  const broadcast = (frame: Buffer) => {
    if (batched) {
      queue.push(frame);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return;
    }
    for (const m of members) if (m.ws.readyState === WebSocket.OPEN) m.ws.send(frame, { binary: false });
  };

  const http: Server = createServer((_req, res) => res.writeHead(426).end());
  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const member = { ws, socket };
      members.add(member);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) broadcast(asBuffer(data));
      });
      ws.on('close', () => members.delete(member));
      ws.on('error', () => {});
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: async () => {
      for (const m of members) m.ws.terminate();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
