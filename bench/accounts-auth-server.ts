/**
 * The server side of `accounts-auth.ts`, run in its own process so the load generator does not share
 * its event loop. Usage: `accounts-auth-server.ts reference` (a bare HTTP endpoint that signs one
 * JWT with jose, no storage) or `accounts-auth-server.ts tether <database> [schema]` (a real Tether
 * server on SQLite in a temporary folder, or on PostgreSQL). Reports `{ port }` over IPC, answers
 * `"cpu"` with `{ cpu }` (its CPU time so far, user + system, µs), stops on the message `"stop"`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer } from '@tether/server';
import { SignJWT } from 'jose';

const [mode = 'reference', database = 'sqlite', schema] = process.argv.slice(2);

if (!process.send) throw new Error('run me through accounts-auth.ts (needs an IPC channel)');
const send = process.send.bind(process);
process.on('message', (m) => {
  if (m !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  send({ cpu: user + system });
});

if (mode === 'reference') {
  // Imported once, as Tether does, so the reference is the fastest way to use jose.
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode('defaultencryptionkey'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { id?: string };
      const token = await new SignJWT({ uid: id, usn: 'reference' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
      const body = JSON.stringify({ token });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => send({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m) => {
    if (m === 'stop') server.close(() => process.exit(0));
  });
} else {
  const data = mkdtempSync(join(tmpdir(), 'tether-bench-'));
  const config = loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      gmPort: 0,
      consolePort: 0,
      data,
      database,
      databaseSchema: schema,
      logLevel: 'silent',
      // The failure limits would not trigger (the benchmark never fails), but keep them out of the way.
      authFailuresPerAddress: 1_000_000,
    },
    {},
  );
  const server = await startServer(config);
  send({ port: server.http.port });
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await server.close('benchmark finished');
    rmSync(data, { recursive: true, force: true });
    process.exit(0);
  });
}
