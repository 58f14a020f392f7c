/**
 * `users` rows → {@link UserRecord}, shared by the SQLite and PostgreSQL account stores. Both read
 * the same columns and differ only in how a time comes back: PostgreSQL returns a `timestamptz` as a
 * `Date`, SQLite stores Unix milliseconds. So the row type takes the backend's time type `T` and the
 * conversion takes the backend's `time` function. No SQL here.
 */
import type { UserRecord } from './account-store.ts';

/** The `users` columns an account store selects for a {@link UserRecord}. */
export interface UserRow<T> {
  id: string;
  username: string;
  display_name: string | null;
  avatar_url: string | null;
  lang_tag: string;
  location: string | null;
  timezone: string | null;
  metadata: string;
  create_time: T;
  update_time: T;
  disable_time: T | null;
}

/** A {@link UserRecord} from a row, with the backend's time conversion. */
export function userFromRow<T>(row: UserRow<T>, time: (t: T) => Date): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    langTag: row.lang_tag,
    location: row.location,
    timezone: row.timezone,
    metadata: row.metadata,
    createTime: time(row.create_time),
    updateTime: time(row.update_time),
    disableTime: row.disable_time === null ? null : time(row.disable_time),
  };
}
