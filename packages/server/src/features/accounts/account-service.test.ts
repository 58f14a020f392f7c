/**
 * Bans as one unit of work: the ban and the revocations of the user's sessions commit together, and
 * the revocation listeners (the socket layer closes sockets on them) hear only of a committed ban.
 * On a real SQLite database opened as the server opens it; end-to-end bans are in
 * test/accounts-ban.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { openDatabase, pick } from '../../database.ts';
import type { AnyDb } from '../../db/db.ts';
import { createLogger } from '../../observability/logger.ts';
import type { RevocationEvent } from '../../session/verifier.ts';
import { type AccountFeature, registerAccounts } from './register-accounts.ts';
import { accountSearchStores, accountStores, identityStores, revocationStores } from './store/dialects.ts';

describe('AccountService.ban', () => {
  let dir: string;
  let db: AnyDb;
  let feature: AccountFeature;
  const events: RevocationEvent[] = [];
  const address = '127.0.0.1';

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-accounts-'));
    const config = loadConfig({ data: dir }, {});
    db = await openDatabase(config);
    feature = registerAccounts({
      config,
      db,
      stores: {
        accounts: pick(db, accountStores),
        identities: pick(db, identityStores),
        revocations: pick(db, revocationStores),
        search: pick(db, accountSearchStores),
      },
      logger: createLogger('silent'),
    });
    events.length = 0;
    feature.auth.onRevoked((e) => events.push(e));
  });
  afterEach(async () => {
    await feature.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A new account and the user id and session token of its first login. */
  async function player(deviceId: string): Promise<{ userId: string; token: string }> {
    const { token } = await feature.accounts.authenticateDevice(deviceId, { address });
    return { userId: (await feature.auth.verifySessionToken(token)).userId, token };
  }
  const disableTime = async (userId: string) =>
    (await feature.accounts.getUsers([userId], []))[0]?.disableTime ?? null;

  it('stores the ban and the revocation together and tells listeners after the commit', async () => {
    const p = await player('device-ban-0001');
    expect(await feature.accounts.ban([p.userId])).toEqual([p.userId]);
    expect(events).toEqual([{ userId: p.userId, tokenId: null, cause: 'ban' }]);
    expect(await disableTime(p.userId)).not.toBeNull();
    await expect(feature.auth.verifySessionToken(p.token)).rejects.toThrow('Auth token revoked');
    await expect(feature.accounts.authenticateDevice('device-ban-0001', { address })).rejects.toThrow(
      'User account banned.',
    );
  });

  it('leaves neither the ban nor any revocation when revoking fails, and tells no one', async () => {
    const [p, q] = [await player('device-ban-0002'), await player('device-ban-0003')];
    // The second user's revocation fails (its table is gone): the whole ban must roll back.
    await (db.dialect === 'sqlite'
      ? db.run((c) => c.exec('DROP TABLE revoked_users'))
      : db.query('DROP TABLE revoked_users'));
    await expect(feature.accounts.ban([p.userId, q.userId])).rejects.toThrow(/revoked_users/);
    expect(events).toEqual([]);
    expect(await disableTime(p.userId)).toBeNull();
    expect(await disableTime(q.userId)).toBeNull();
  });

  it("joins a caller's transaction: rolled back with it, announced only after its commit", async () => {
    const p = await player('device-ban-0004');
    await expect(
      db.tx(async () => {
        await feature.accounts.ban([p.userId]);
        expect(events).toEqual([]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(events).toEqual([]);
    expect(await disableTime(p.userId)).toBeNull();
    expect((await feature.auth.verifySessionToken(p.token)).userId).toBe(p.userId);

    await db.tx(async () => {
      await feature.accounts.ban([p.userId]);
      expect(events).toEqual([]);
    });
    expect(events).toEqual([{ userId: p.userId, tokenId: null, cause: 'ban' }]);
    await expect(feature.auth.verifySessionToken(p.token)).rejects.toThrow('Auth token revoked');
  });
});
