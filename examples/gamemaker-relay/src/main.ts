/**
 * Runs the relay: `npm start -w @tether/example-gamemaker-relay`. Ports come from RELAY_TCP_PORT
 * (default 6510) and RELAY_WS_PORT (default 6511).
 */
import { pino } from 'pino';
import { startRelay } from './relay.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const relay = await startRelay({
  logger,
  tcpPort: Number(process.env.RELAY_TCP_PORT ?? 6510),
  wsPort: Number(process.env.RELAY_WS_PORT ?? 6511),
});
logger.info({ tcp: relay.tcp.address.port, ws: relay.ws.address.port }, 'GameMaker relay running');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void relay.close().then(() => process.exit(0));
  });
}
