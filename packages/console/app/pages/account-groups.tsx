/** The groups the user belongs to (or asked to join), with their state in each. */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { AccountPanel } from '../extensions.ts';
import { navigate } from '../router.ts';
import { ErrorNote, Table, useApi, usePoll } from '../ui.tsx';
import { GROUP_STATES, type Group } from './social.ts';

function UserGroups({ userId }: { userId: string }) {
  const api = useApi();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const list = usePoll(
    () =>
      api.get<{ user_groups?: { group: Group; state?: number }[]; cursor?: string }>(
        path('/v2/console/account', userId, 'group'),
        { cursor },
      ),
    0,
    [userId, cursor],
  );
  return (
    <>
      <ErrorNote error={list.error} />
      <Table
        label="User groups"
        rows={list.data?.user_groups ?? []}
        rowKey={(g) => g.group.id}
        empty="In no group."
        onRowClick={(g) => navigate('groups', g.group.id)}
        columns={[
          { title: 'Group', cell: (g) => g.group.name },
          { title: 'State', cell: (g) => GROUP_STATES[g.state ?? 0] },
          { title: 'Members', cell: (g) => `${g.group.edge_count ?? 0} / ${g.group.max_count}` },
        ]}
      />
      {list.data?.cursor ? (
        <button type="button" class="small" onClick={() => setCursor(list.data?.cursor)}>
          More groups
        </button>
      ) : null}
    </>
  );
}

/** The groups panel. */
export const groupsPanel: AccountPanel = { id: 'groups', title: 'Groups', component: UserGroups };
