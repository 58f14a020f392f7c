#!/usr/bin/env node
// Runs the test suite with vitest and ends with one summary line, `N passed, N failed, N skipped`,
// which CI reads. Exit code is non-zero when anything failed (or when no test ran at all). Extra
// arguments are passed through to vitest.
//
// With CI=true (or TETHER_TEST_PACK=1) the pack check runs too, after the suite: it builds and packs
// the packages and uses the tarballs from a fresh folder (vitest.pack.config.ts, about two minutes).
// Its results count in the same summary line. It is skipped when arguments select tests.
//
// With CI=true (or TETHER_TEST_SOAK=1) the soak suite's short cut runs last (vitest.soak.config.ts:
// three minutes of mixed traffic with churn against a real `tether serve`, then 45 seconds with the
// chaos knobs on, which must fail; bench/README.md, "soak"), counted the same way.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const tmp = join(process.cwd(), '.tmp');
mkdirSync(tmp, { recursive: true });

/** Runs one vitest configuration; returns its counts (a missing or broken report counts as a failure). */
function runVitest(name, extraArgs) {
  const out = join(tmp, `vitest-${name}.json`);
  rmSync(out, { force: true });
  const args = [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...extraArgs,
  ];
  const run = spawnSync('npx', args, { stdio: 'inherit' });
  if (!existsSync(out)) {
    return { failedNames: [`${name}: no report`], passed: 0, failed: 1, skipped: 0, status: run.status ?? 1 };
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  // A suite that failed to load (syntax error, missing module) has no tests but must still fail.
  const results = report.testResults ?? [];
  const broken = results.filter((r) => r.status === 'failed' && r.assertionResults.length === 0);
  const failedNames = [
    ...broken.map((r) => `${r.name} (did not load)`),
    ...results.flatMap((r) =>
      r.assertionResults
        .filter((a) => a.status === 'failed')
        .map((a) => `${r.name} > ${a.fullName ?? a.title}`),
    ),
  ];
  return {
    failedNames,
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + broken.length,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    status: run.status ?? 1,
  };
}

const selected = process.argv.slice(2);
const results = [runVitest('results', selected)];
const pack = process.env.CI === 'true' || process.env.TETHER_TEST_PACK === '1';
if (pack && selected.length === 0) {
  console.log(
    '[test] pack check: build, npm pack, install the tarballs in a fresh folder, serve, typecheck, init',
  );
  results.push(runVitest('pack', ['--config', 'vitest.pack.config.ts']));
}
const soak = process.env.CI === 'true' || process.env.TETHER_TEST_SOAK === '1';
if (soak && selected.length === 0) {
  console.log('[test] soak cut: 3 minutes of mixed traffic with churn, then the chaos knobs (must fail)');
  results.push(runVitest('soak', ['--config', 'vitest.soak.config.ts']));
}

// Failed tests are named again here, next to the summary, because CI shows only the log's tail.
for (const r of results) for (const n of r.failedNames) console.log(`[test] FAILED ${n}`);
const sum = (key) => results.reduce((n, r) => n + r[key], 0);
const passed = sum('passed');
const failed = sum('failed');
const skipped = sum('skipped');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(results.some((r) => r.status !== 0) || failed > 0 || passed === 0 ? 1 : 0);
