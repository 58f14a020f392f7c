import { defineConfig } from 'vitest/config';

// The pack check (`npm run test:pack`): builds and packs the packages, installs the tarballs into a
// fresh folder and uses them from there. About two minutes, so it stays out of `npm test`; CI runs it.
export default defineConfig({
  test: {
    include: ['packages/*/test/pack/*.pack.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 175_000,
  },
});
