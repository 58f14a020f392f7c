/** The user's friends, invitations and blocks, with a button to end one (as the user would delete it). */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { AccountPanel } from '../extensions.ts';
import { ErrorNote, Table, useAction, useApi, usePoll, when } from '../ui.tsx';
import { FRIEND_STATES, type ListedUser } from './social.ts';

interface Friend {
  user: ListedUser;
  state: number;
  update_time: string;
}

function Friends({ userId }: { userId: string }) {
  const api = useApi();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const list = usePoll(
    () =>
      api.get<{ friends?: Friend[]; cursor?: string }>(path('/v2/console/account', userId, 'friend'), {
        cursor,
      }),
    0,
    [userId, cursor],
  );
  const remove = useAction();
  return (
    <>
      <ErrorNote error={list.error ?? remove.error} />
      <Table
        label="Friends"
        rows={list.data?.friends ?? []}
        rowKey={(f) => f.user.id}
        empty="No friend, invitation or block."
        columns={[
          {
            title: 'User',
            cell: (f) => <a href={`#/accounts/${encodeURIComponent(f.user.id)}`}>{f.user.username}</a>,
          },
          { title: 'State', cell: (f) => FRIEND_STATES[f.state] },
          { title: 'Since', cell: (f) => when(f.update_time) },
          {
            title: '',
            cell: (f) => (
              <button
                type="button"
                class="small danger"
                disabled={remove.busy}
                aria-label={`Remove ${f.user.username}`}
                onClick={() =>
                  void remove
                    .run(() => api.del(path('/v2/console/account', userId, 'friend', f.user.id)))
                    .then(list.reload)
                }
              >
                Remove
              </button>
            ),
          },
        ]}
      />
      {list.data?.cursor ? (
        <button type="button" class="small" onClick={() => setCursor(list.data?.cursor)}>
          More friends
        </button>
      ) : null}
    </>
  );
}

/** The friends panel. */
export const friendsPanel: AccountPanel = { id: 'friends', title: 'Friends', component: Friends };
