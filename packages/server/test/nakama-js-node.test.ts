/**
 * docs/client.md's "nakama-js on Node 20" snippet, run as it is printed: the code block is read from
 * the document, pointed at a test server's port, and run by Node in a child process (no shims from
 * the test runner). A socket in the same room sees its message.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { RawSocket } from './realtime-helpers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The first ```js block after the heading. */
function snippet(heading: string): string {
  const doc = readFileSync(join(ROOT, 'docs/client.md'), 'utf8');
  const after = doc.slice(doc.indexOf(heading));
  const match = /```js\n([\s\S]*?)```/.exec(after);
  if (!match) throw new Error(`no js block after ${heading}`);
  return match[1]!;
}

let server: TestServer;
let peer: RawSocket | undefined;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  peer?.close();
  await server.stop();
});

describe('nakama-js on Node 20 (docs/client.md)', () => {
  it('logs in, joins the lobby and writes a message with the documented shims', async () => {
    const code = snippet('### nakama-js on Node 20');
    expect(code).toContain("'7350'");
    // Inside the repository, so `@heroiclabs/nakama-js` and `ws` resolve from its node_modules.
    const dir = join(ROOT, '.tmp', `nakama-node-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'snippet.mjs');
    writeFileSync(file, code.replace("'7350'", `'${server.http.port}'`));

    peer = await RawSocket.login(server);
    await peer.request('1', { channel_join: { target: 'lobby', type: 1 } });
    const mark = peer.received.length;

    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
    rmSync(dir, { recursive: true, force: true });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);

    const message = await peer.next('channel_message', mark);
    expect(message.channel_message).toMatchObject({
      username: 'nodeplayer',
      content: JSON.stringify({ text: 'hello from nakama-js' }),
    });
  });
});
