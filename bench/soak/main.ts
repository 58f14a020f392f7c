/**
 * The soak and chaos suite (see bench/README.md, `soak`):
 *
 *   npm run soak --prefix bench -- [--minutes 30] [--clients 48] [--churn 0.1] [--sample 5]
 *       [--match-hz 10] [--party-hz 2] [--chat-every 5] [--new-account-every 5] [--no-gamemaker]
 *       [--rss-growth-mib 24] [--rss-growth-fraction 0.1] [--postgres [url]] [--json out.json]
 *       [--leak-bytes N] [--lose-every-sec N] [--drop-every N]
 *
 * Prints a progress line per sample, then the report; exits 1 when a criterion failed. The last three
 * flags are chaos knobs that make the server faulty, to see the checks fail.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSoak } from './driver.ts';
import { report } from './verdict.ts';
import { DEFAULTS } from './world.ts';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string' },
    clients: { type: 'string' },
    churn: { type: 'string' },
    sample: { type: 'string' },
    'match-hz': { type: 'string' },
    'party-hz': { type: 'string' },
    'chat-every': { type: 'string' },
    'new-account-every': { type: 'string' },
    'no-gamemaker': { type: 'boolean' },
    'rss-growth-mib': { type: 'string' },
    'rss-growth-fraction': { type: 'string' },
    postgres: { type: 'string' },
    json: { type: 'string' },
    'leak-bytes': { type: 'string' },
    'lose-every-sec': { type: 'string' },
    'drop-every': { type: 'string' },
    quiet: { type: 'boolean' },
  },
});

function num(flag: string, fallback: number, min: number, max: number): number {
  const raw = (a as Record<string, string | undefined>)[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!(n >= min && n <= max)) throw new RangeError(`--${flag} must be a number in [${min}, ${max}]`);
  return n;
}

const clients = num('clients', DEFAULTS.clients, 2, 2000);
const result = await runSoak({
  minutes: num('minutes', DEFAULTS.minutes, 0.5, 24 * 60),
  clients,
  gamemaker: !a['no-gamemaker'],
  churnPerMinute: num('churn', DEFAULTS.churnPerMinute, 0, 1),
  sampleSec: num('sample', DEFAULTS.sampleSec, 1, 60),
  matchHz: num('match-hz', DEFAULTS.matchHz, 0.1, 60),
  partyHz: num('party-hz', DEFAULTS.partyHz, 0.1, 60),
  chatEverySec: num('chat-every', DEFAULTS.chatEverySec, 0.1, 600),
  newAccountEverySec: num('new-account-every', DEFAULTS.newAccountEverySec, 0.1, 600),
  rssGrowthMiB: num('rss-growth-mib', DEFAULTS.rssGrowthMiB, 0, 1e6),
  rssGrowthFraction: num('rss-growth-fraction', DEFAULTS.rssGrowthFraction, 0, 10),
  database: a.postgres === undefined ? 'sqlite' : a.postgres || 'postgres://postgres@127.0.0.1:5432/test',
  leakBytes: num('leak-bytes', 0, 0, 64 * 1024 * 1024),
  loseEverySec: num('lose-every-sec', 0, 0, 3600),
  dropEvery: num('drop-every', 0, 0, 1e9),
  ...(a.quiet ? {} : { log: (line: string) => console.log(line) }),
});
console.log(`\n${report(result)}`);
if (a.json) {
  const { hist: _hist, ...rest } = result;
  writeFileSync(a.json, `${JSON.stringify(rest, null, 2)}\n`);
}
// nakama-js leaves request timers behind; the verdict is in.
process.exit(result.failures.length === 0 ? 0 : 1);
