import { describe, expect, it } from 'vitest';
import { accountJson, userJson } from './account-json.ts';
import type { AccountRecord, UserRecord } from './store/account-store.ts';

const user: UserRecord = {
  id: '6f1d2c3b-0000-4000-8000-000000000001',
  username: 'ada',
  displayName: null,
  avatarUrl: null,
  langTag: 'en',
  location: null,
  timezone: null,
  metadata: '{}',
  createTime: new Date('2025-03-01T12:00:00.250Z'),
  updateTime: new Date('2025-03-01T12:00:00.250Z'),
  disableTime: null,
};
const account = (u: UserRecord): AccountRecord => ({
  user: u,
  email: null,
  customId: null,
  devices: [],
  wallet: '{}',
});

describe('account JSON', () => {
  it('shows disable_time on the account only when the user is banned, never on api.User', () => {
    expect(accountJson(account(user))).not.toHaveProperty('disable_time');
    const banned = { ...user, disableTime: new Date('2025-03-02T08:30:00.900Z') };
    const json = accountJson(account(banned));
    expect(json.disable_time).toBe('2025-03-02T08:30:00Z');
    expect(json.user).not.toHaveProperty('disable_time');
    expect(userJson(banned)).toEqual(userJson(user));
  });
});
