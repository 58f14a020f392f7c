/**
 * The REST calls of nakama-js-parity.test.ts: one entry per method of nakama-js 2.8.0's `Client`, with the arguments a game would pass and the status Tether answers with. A status
 * here is a promise: changing one is a decision, and docs/protocol.md shows the table.
 */
import type { Client, Session } from '@heroiclabs/nakama-js';
import type { TestServer } from './helpers.ts';

/** What a REST call gets: a fresh user (`session`) and a second one (`other`). */
export interface RestContext {
  readonly client: Client;
  readonly server: TestServer;
  readonly session: Session;
  readonly other: Session;
}

/** A REST call and the HTTP status of its (last) request. */
export interface RestCall {
  readonly status: number;
  readonly note?: string;
  readonly call: (ctx: RestContext) => Promise<unknown>;
}

export const uniq = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 12)}`;
const NOT_SUPPORTED = 501;
const PROVIDER = 'identity provider accounts are not supported';
const IAP = 'in-app purchases are not supported';

/** A group owned by `session`; `other` has joined it when `join` is set (open group). */
async function group({ client, session, other }: RestContext, join = false): Promise<string> {
  const g = await client.createGroup(session, { name: uniq('parity-group-'), open: true });
  if (join) await client.joinGroup(other, g.id!);
  return g.id!;
}

export const REST_CALLS: Readonly<Record<string, RestCall>> = {
  addFriends: { status: 200, call: (c) => c.client.addFriends(c.session, [c.other.user_id!]) },
  addGroupUsers: {
    status: 200,
    call: async (c) => c.client.addGroupUsers(c.session, await group(c), [c.other.user_id!]),
  },
  authenticateApple: { status: NOT_SUPPORTED, note: PROVIDER, call: (c) => c.client.authenticateApple('t') },
  authenticateCustom: { status: 200, call: (c) => c.client.authenticateCustom(uniq('custom-id-'), true) },
  authenticateDevice: { status: 200, call: (c) => c.client.authenticateDevice(uniq('device-id-'), true) },
  authenticateEmail: {
    status: 200,
    call: (c) => c.client.authenticateEmail(`${uniq('p')}@example.com`, 'password-1234', true),
  },
  authenticateFacebook: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.authenticateFacebook('t'),
  },
  authenticateFacebookInstantGame: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.authenticateFacebookInstantGame('t'),
  },
  authenticateGameCenter: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.authenticateGameCenter('b', 'p', 'u', 's', 'sig', '1'),
  },
  authenticateGoogle: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.authenticateGoogle('t'),
  },
  authenticateSteam: { status: NOT_SUPPORTED, note: PROVIDER, call: (c) => c.client.authenticateSteam('t') },
  banGroupUsers: {
    status: 200,
    call: async (c) => c.client.banGroupUsers(c.session, await group(c, true), [c.other.user_id!]),
  },
  blockFriends: { status: 200, call: (c) => c.client.blockFriends(c.session, [c.other.user_id!]) },
  createGroup: { status: 200, call: (c) => group(c) },
  deleteAccount: { status: 200, call: (c) => c.client.deleteAccount(c.session) },
  deleteFriends: { status: 200, call: (c) => c.client.deleteFriends(c.session, [c.other.user_id!]) },
  deleteGroup: { status: 200, call: async (c) => c.client.deleteGroup(c.session, await group(c)) },
  deleteNotifications: {
    status: 200,
    call: (c) => c.client.deleteNotifications(c.session, ['5c9e6a42-1d0f-4b7e-9a3c-2f8d1e6b4a70']),
  },
  deleteStorageObjects: {
    status: 200,
    call: async (c) => {
      await c.client.writeStorageObjects(c.session, [{ collection: 'parity', key: 'k', value: { a: 1 } }]);
      return c.client.deleteStorageObjects(c.session, { object_ids: [{ collection: 'parity', key: 'k' }] });
    },
  },
  deleteTournamentRecord: {
    status: 200,
    call: (c) => c.client.deleteTournamentRecord(c.session, 'parity-cup'),
  },
  demoteGroupUsers: {
    status: 200,
    call: async (c) => {
      const id = await group(c, true);
      await c.client.promoteGroupUsers(c.session, id, [c.other.user_id!]);
      return c.client.demoteGroupUsers(c.session, id, [c.other.user_id!]);
    },
  },
  emitEvent: {
    status: NOT_SUPPORTED,
    note: 'events are not supported',
    call: (c) => c.client.emitEvent(c.session, { name: 'e', properties: {} }),
  },
  getAccount: { status: 200, call: (c) => c.client.getAccount(c.session) },
  getSubscription: {
    status: NOT_SUPPORTED,
    note: IAP,
    call: (c) => c.client.getSubscription(c.session, 'gold'),
  },
  getUsers: { status: 200, call: (c) => c.client.getUsers(c.session, [c.other.user_id!]) },
  importFacebookFriends: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.importFacebookFriends(c.session, { token: 't' }),
  },
  importSteamFriends: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.importSteamFriends(c.session, { token: 't' }, false),
  },
  joinGroup: { status: 200, call: async (c) => c.client.joinGroup(c.other, await group(c)) },
  joinTournament: { status: 200, call: (c) => c.client.joinTournament(c.session, 'parity-cup') },
  kickGroupUsers: {
    status: 200,
    call: async (c) => c.client.kickGroupUsers(c.session, await group(c, true), [c.other.user_id!]),
  },
  leaveGroup: { status: 200, call: async (c) => c.client.leaveGroup(c.other, await group(c, true)) },
  linkApple: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.linkApple(c.session, { token: 't' }),
  },
  linkCustom: { status: 200, call: (c) => c.client.linkCustom(c.session, { id: uniq('custom-id-') }) },
  linkDevice: { status: 200, call: (c) => c.client.linkDevice(c.session, { id: uniq('device-id-') }) },
  linkEmail: {
    status: 200,
    call: (c) =>
      c.client.linkEmail(c.session, { email: `${uniq('l')}@example.com`, password: 'password-1234' }),
  },
  linkFacebook: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.linkFacebook(c.session, { token: 't' }),
  },
  linkFacebookInstantGame: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.linkFacebookInstantGame(c.session, { signed_player_info: 't' }),
  },
  linkGameCenter: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.linkGameCenter(c.session, { bundle_id: 'b', player_id: 'p' }),
  },
  linkGoogle: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.linkGoogle(c.session, { token: 't' }),
  },
  linkSteam: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.linkSteam(c.session, { account: { token: 't' }, sync: false }),
  },
  listChannelMessages: {
    status: 200,
    call: (c) => c.client.listChannelMessages(c.session, '2...parity', 10),
  },
  listFriends: { status: 200, call: (c) => c.client.listFriends(c.session) },
  listFriendsOfFriends: {
    status: NOT_SUPPORTED,
    note: 'not served yet',
    call: (c) => c.client.listFriendsOfFriends(c.session),
  },
  listGroupUsers: { status: 200, call: async (c) => c.client.listGroupUsers(c.session, await group(c)) },
  listGroups: { status: 200, call: (c) => c.client.listGroups(c.session, 'parity%') },
  listLeaderboardRecords: {
    status: 200,
    call: (c) => c.client.listLeaderboardRecords(c.session, 'parity-board'),
  },
  listLeaderboardRecordsAroundOwner: {
    status: 200,
    call: (c) => c.client.listLeaderboardRecordsAroundOwner(c.session, 'parity-board', c.session.user_id!),
  },
  listMatches: {
    status: 200,
    note: 'an empty `label` with a `query` lists by the query',
    call: (c) => c.client.listMatches(c.session, 10, true, '', 0, 100, '+label.mode:any'),
  },
  listNotifications: { status: 200, call: (c) => c.client.listNotifications(c.session, 10) },
  listStorageObjects: {
    status: 200,
    call: (c) => c.client.listStorageObjects(c.session, 'parity', c.session.user_id!),
  },
  listSubscriptions: { status: NOT_SUPPORTED, note: IAP, call: (c) => c.client.listSubscriptions(c.session) },
  listTournamentRecords: {
    status: 200,
    call: (c) => c.client.listTournamentRecords(c.session, 'parity-cup'),
  },
  listTournamentRecordsAroundOwner: {
    status: 200,
    call: (c) => c.client.listTournamentRecordsAroundOwner(c.session, 'parity-cup', c.session.user_id!),
  },
  listTournaments: { status: 200, call: (c) => c.client.listTournaments(c.session) },
  listUserGroups: { status: 200, call: (c) => c.client.listUserGroups(c.session, c.session.user_id!) },
  promoteGroupUsers: {
    status: 200,
    call: async (c) => c.client.promoteGroupUsers(c.session, await group(c, true), [c.other.user_id!]),
  },
  readStorageObjects: {
    status: 200,
    call: (c) =>
      c.client.readStorageObjects(c.session, {
        object_ids: [{ collection: 'parity', key: 'k', user_id: c.session.user_id }],
      }),
  },
  rpc: { status: 200, call: (c) => c.client.rpc(c.session, 'parity_echo', { a: 1 }) },
  rpcHttpKey: { status: 200, call: (c) => c.client.rpcHttpKey('defaulthttpkey', 'parity_echo', { a: 1 }) },
  sessionLogout: {
    status: 200,
    call: (c) => c.client.sessionLogout(c.session, c.session.token, c.session.refresh_token),
  },
  sessionRefresh: { status: 200, call: (c) => c.client.sessionRefresh(c.session) },
  unlinkApple: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.unlinkApple(c.session, { token: 't' }),
  },
  unlinkCustom: {
    status: 200,
    call: async (c) => {
      const id = uniq('custom-id-');
      await c.client.linkCustom(c.session, { id });
      return c.client.unlinkCustom(c.session, { id });
    },
  },
  unlinkDevice: {
    status: 200,
    call: async (c) => {
      const id = uniq('device-id-');
      await c.client.linkDevice(c.session, { id });
      return c.client.unlinkDevice(c.session, { id });
    },
  },
  unlinkEmail: {
    status: 200,
    call: async (c) => {
      const account = { email: `${uniq('u')}@example.com`, password: 'password-1234' };
      await c.client.linkEmail(c.session, account);
      return c.client.unlinkEmail(c.session, account);
    },
  },
  unlinkFacebook: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.unlinkFacebook(c.session, { token: 't' }),
  },
  unlinkFacebookInstantGame: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.unlinkFacebookInstantGame(c.session, { signed_player_info: 't' }),
  },
  unlinkGameCenter: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.unlinkGameCenter(c.session, { bundle_id: 'b', player_id: 'p' }),
  },
  unlinkGoogle: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.unlinkGoogle(c.session, { token: 't' }),
  },
  unlinkSteam: {
    status: NOT_SUPPORTED,
    note: PROVIDER,
    call: (c) => c.client.unlinkSteam(c.session, { token: 't' }),
  },
  updateAccount: { status: 200, call: (c) => c.client.updateAccount(c.session, { display_name: 'Parity' }) },
  updateGroup: {
    status: 200,
    call: async (c) => c.client.updateGroup(c.session, await group(c), { description: 'parity' }),
  },
  validatePurchaseApple: {
    status: NOT_SUPPORTED,
    note: IAP,
    call: (c) => c.client.validatePurchaseApple(c.session, 'r'),
  },
  validatePurchaseFacebookInstant: {
    status: NOT_SUPPORTED,
    note: IAP,
    call: (c) => c.client.validatePurchaseFacebookInstant(c.session, 'r'),
  },
  validatePurchaseGoogle: {
    status: NOT_SUPPORTED,
    note: IAP,
    call: (c) => c.client.validatePurchaseGoogle(c.session, 'r'),
  },
  validatePurchaseHuawei: {
    status: NOT_SUPPORTED,
    note: IAP,
    call: (c) => c.client.validatePurchaseHuawei(c.session, 'r', 's'),
  },
  validateSubscriptionApple: {
    status: NOT_SUPPORTED,
    note: IAP,
    call: (c) => c.client.validateSubscriptionApple(c.session, 'r'),
  },
  validateSubscriptionGoogle: {
    status: NOT_SUPPORTED,
    note: IAP,
    call: (c) => c.client.validateSubscriptionGoogle(c.session, 'r'),
  },
  writeLeaderboardRecord: {
    status: 200,
    call: (c) => c.client.writeLeaderboardRecord(c.session, 'parity-board', { score: '10' }),
  },
  writeStorageObjects: {
    status: 200,
    call: (c) =>
      c.client.writeStorageObjects(c.session, [{ collection: 'parity', key: 'k', value: { a: 1 } }]),
  },
  writeTournamentRecord: {
    status: 200,
    call: async (c) => {
      await c.client.joinTournament(c.session, 'parity-cup');
      return c.client.writeTournamentRecord(c.session, 'parity-cup', { score: '5' });
    },
  },
};
