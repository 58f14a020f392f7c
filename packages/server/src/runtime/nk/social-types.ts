/**
 * The user and group objects `nk.friends*` and `nk.group*` return: Nakama's JavaScript runtime shapes
 * (camelCase, metadata as an object, times as Unix seconds).
 *
 * @packageDocumentation
 */
import type { UserRecord } from '../../features/accounts/store/account-store.ts';
import type { GroupRecord } from '../../features/groups/store/group-store.ts';
import { isUuid } from '../../shared/ids.ts';

/** A user's public profile. */
export interface RuntimeUser {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly avatarUrl: string | null;
  readonly langTag: string;
  readonly location: string | null;
  readonly timezone: string | null;
  readonly metadata: Record<string, unknown>;
  /** True when the user has a realtime socket open. */
  readonly online: boolean;
  /** Unix seconds. */
  readonly createTime: number;
  readonly updateTime: number;
}

/** A group. */
export interface RuntimeGroup {
  readonly id: string;
  readonly creatorId: string | null;
  readonly name: string;
  readonly description: string | null;
  readonly avatarUrl: string | null;
  readonly langTag: string;
  readonly metadata: Record<string, unknown>;
  readonly open: boolean;
  /** Superadmins, admins and members. */
  readonly edgeCount: number;
  readonly maxCount: number;
  /** Unix seconds. */
  readonly createTime: number;
  readonly updateTime: number;
}

/** A {@link RuntimeUser} from a stored profile. */
export function runtimeUser(u: UserRecord, online: boolean): RuntimeUser {
  return {
    userId: u.id,
    username: u.username,
    displayName: u.displayName,
    avatarUrl: u.avatarUrl,
    langTag: u.langTag,
    location: u.location,
    timezone: u.timezone,
    metadata: JSON.parse(u.metadata) as Record<string, unknown>,
    online,
    createTime: seconds(u.createTime),
    updateTime: seconds(u.updateTime),
  };
}

/** A {@link RuntimeGroup} from a stored group. */
export function runtimeGroup(g: GroupRecord): RuntimeGroup {
  return {
    id: g.id,
    creatorId: g.creatorId,
    name: g.name,
    description: g.description,
    avatarUrl: g.avatarUrl,
    langTag: g.langTag,
    metadata: JSON.parse(g.metadata) as Record<string, unknown>,
    open: g.open,
    edgeCount: g.edgeCount,
    maxCount: g.maxCount,
    createTime: seconds(g.createTime),
    updateTime: seconds(g.updateTime),
  };
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** A user id argument: a UUID, returned lower-case (as ids are stored). */
export function userIdArg(userId: unknown): string {
  if (typeof userId !== 'string' || !isUuid(userId)) {
    throw new Error(`Invalid user ID: '${String(userId).slice(0, 64)}'`);
  }
  return userId.toLowerCase();
}
