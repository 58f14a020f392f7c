/**
 * The soak suite's cut for CI (`vitest.soak.config.ts`): three minutes of the full soak's traffic
 * (`TETHER_SOAK_MINUTES` changes it) must pass every criterion of `verdict.ts`; then 45 seconds with
 * the chaos knobs on (a server that leaks 512 KiB per chat message, deletes a stored chat message
 * every 5 s and drops every 100th match data message) must fail exactly the three checks those
 * faults break, so the checks are known to be able to fail.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from './driver.ts';
import { report } from './verdict.ts';

const minutes = Number(process.env.TETHER_SOAK_MINUTES ?? 3);

describe('soak', () => {
  it(`holds memory flat and loses nothing acknowledged over ${minutes} min of mixed traffic with churn`, async () => {
    const result = await runSoak({ minutes, sampleSec: 3 });
    console.log(report(result));
    expect(result.failures).toEqual([]);
    expect(result.count.drops.close + result.count.drops.cut).toBeGreaterThan(0);
  });

  it('fails a server that leaks memory, loses acknowledged chat messages and drops match data', async () => {
    const result = await runSoak({
      minutes: 0.75,
      sampleSec: 2,
      leakBytes: 512 * 1024,
      loseEverySec: 5,
      dropEvery: 100,
    });
    console.log(report(result));
    expect(result.memory.pass).toBe(false);
    expect(result.chat.missing).toBeGreaterThan(0);
    expect(result.match.lost).toBeGreaterThan(0);
    expect(result.failures.filter((f) => !/^(memory|chat|match data):/.test(f))).toEqual([]);
  });
});
