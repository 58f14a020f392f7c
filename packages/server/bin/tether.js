#!/usr/bin/env node
// The `tether` command. Tether runs its TypeScript sources directly through tsx's loader, so a fresh
// clone works after `npm install` with no build step (see docs/architecture.md, "No build step").
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
