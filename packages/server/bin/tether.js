#!/usr/bin/env node
// The `tether` command. An installed package runs its compiled `dist/`. A checkout of the repository
// (where `src/` exists) runs the TypeScript sources directly through tsx, with the `@tether/source`
// export condition so the other workspace packages load from their sources too: a fresh clone works
// after `npm install`, with no build step (docs/architecture.md, "No build step").
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';

const sources = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  registerHooks('./source-condition.mjs', import.meta.url);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
await main(process.argv);
