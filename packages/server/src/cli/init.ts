/**
 * `tether init <dir>`: a starter game project that installs Tether from npm. It holds a server module
 * (an RPC and a relayed-chat-friendly setup), a browser page that logs in, joins a chat room and calls
 * the RPC, and the scripts that run both. Existing files are never overwritten.
 *
 * @packageDocumentation
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** The starter's files, by path relative to the project folder. */
export function starterFiles(name: string, version: string): Record<string, string> {
  const range = `^${version}`;
  return {
    'package.json': `${JSON.stringify(
      {
        name,
        private: true,
        type: 'module',
        scripts: {
          start: 'tether serve --runtime modules --runtime-watch',
          client:
            'esbuild client/main.ts --bundle --format=esm --outfile=public/main.js --servedir=public --serve=8080',
          typecheck: 'tsc --noEmit',
        },
        dependencies: { '@tether/client': range, '@tether/server': range },
        devDependencies: { '@types/node': '^20.11.0', esbuild: '^0.25.0', typescript: '^5.9.3' },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          verbatimModuleSyntax: true,
          skipLibCheck: true,
        },
        include: ['modules/**/*.ts', 'client/**/*.ts'],
      },
      null,
      2,
    )}\n`,
    'modules/hello.ts': HELLO_MODULE,
    'client/main.ts': CLIENT_MAIN,
    'public/index.html': INDEX_HTML,
    '.gitignore': 'node_modules/\ndata/\npublic/main.js\n',
  };
}

const HELLO_MODULE = `// A server module: tether serve --runtime modules loads every .ts/.js file here at start
// (and again on every change with --runtime-watch). Guide: docs/runtime.md in the Tether repository.
import type { InitModule } from '@tether/server';

const init: InitModule = (initializer, nk, logger) => {
  // Called by the page (socket.rpc('hello', ...)), or over HTTP: POST /v2/rpc/hello.
  initializer.registerRpc('hello', (ctx, payload) =>
    JSON.stringify({ hi: ctx.username ?? 'server', got: payload, matches: nk.matchList(10).length }),
  );
  logger.info('hello module loaded');
};
export default init;
`;

const CLIENT_MAIN = `// The browser page's code, bundled by \`npm run client\` (esbuild) into public/main.js.
import { createRealtimeSocket, TetherClient } from '@tether/client';

const log = (text: string) => {
  const line = document.createElement('li');
  line.textContent = text;
  document.querySelector('#log')?.append(line);
};

// The same server key as tether serve --server-key (the default is for development).
const client = new TetherClient({ host: location.hostname || '127.0.0.1', port: 7350, serverKey: 'defaultkey' });

async function main(): Promise<void> {
  // One account per browser: keep a device id in localStorage.
  let deviceId = localStorage.getItem('deviceId');
  if (!deviceId) {
    deviceId = \`web-\${crypto.randomUUID()}\`;
    localStorage.setItem('deviceId', deviceId);
  }
  const session = await client.authenticateDevice(deviceId);
  log(\`logged in as \${session.username}\`);

  const socket = createRealtimeSocket(client, session);
  await socket.connect();
  log(\`hello RPC says \${await socket.rpc('hello', { from: 'the page' })}\`);
  const lobby = await socket.joinChat('lobby');

  const form = document.querySelector('form')!;
  const input = document.querySelector('input')!;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void socket.writeChatMessage(lobby.id, { text: input.value });
    input.value = '';
  });

  // The game loop: read what arrived once per frame.
  const frame = () => {
    for (const event of socket.poll()) {
      if (event.type === 'channel_message') log(\`\${event.body.username}: \${event.body.content}\`);
      else if (event.type === 'disconnected') log(\`disconnected: \${event.code} \${event.reason}\`);
    }
    requestAnimationFrame(frame);
  };
  frame();
}

main().catch((err: unknown) => log(\`error: \${err instanceof Error ? err.message : String(err)}\`));
`;

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Tether starter</title>
  </head>
  <body>
    <h1>Tether starter</h1>
    <p>Server: <code>npm start</code>. This page: <code>npm run client</code>, then http://localhost:8080.</p>
    <form><input placeholder="Say something in the lobby" /> <button>Send</button></form>
    <ul id="log"></ul>
    <script type="module" src="./main.js"></script>
  </body>
</html>
`;

/** An npm package name from a folder name: lower case, `[a-z0-9._-]`, no leading dot or underscore. */
function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name || 'tether-game';
}

/** Thrown when the starter cannot be written; the message says why. */
export class InitError extends Error {
  override readonly name = 'InitError';
}

/**
 * Writes the starter into `dir` (created if missing). Refuses, writing nothing, when any of its files
 * already exists.
 *
 * @returns the written paths, relative to `dir`
 */
export function initProject(dir: string, version: string): string[] {
  const files = starterFiles(packageName(dir), version);
  const clashes = Object.keys(files).filter((path) => existsSync(join(dir, path)));
  if (clashes.length > 0) {
    throw new InitError(`${dir} already has ${clashes.join(', ')}: not overwriting; pick an empty folder`);
  }
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(resolve(target, '..'), { recursive: true });
    writeFileSync(target, content);
  }
  return Object.keys(files);
}
