import { defineConfig } from 'vitest/config';

// The workspace packages export their TypeScript sources under the `@tether/source` condition and
// their built `dist/` otherwise (docs/architecture.md, "No build step"): tests run the sources.
const conditions = ['@tether/source', 'module', 'node', 'development|production'];

// One runner for the whole workspace. Tests sit next to the code they test (`*.test.ts`), and
// cross-package integration tests live in `packages/*/test/`. Every test uses real sockets on
// loopback, so they run in forked processes with generous timeouts rather than fake timers.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@tether/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
