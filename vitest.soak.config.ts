import { defineConfig } from 'vitest/config';

// The soak suite's short cut (`npm run test:soak`; `npm test` runs it when CI=true): a few minutes of
// mixed traffic with churn against a real `tether serve`, then a short run with the chaos knobs on
// to show the checks fail on a faulty server (bench/soak, bench/README.md). It uses root
// dependencies only (nakama-js, ws), so it needs no `npm install --prefix bench`.
const conditions = ['@tether/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@tether/source'] } },
  test: {
    include: ['bench/soak/*.test.ts', 'bench/soak/*.soak.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
  },
});
