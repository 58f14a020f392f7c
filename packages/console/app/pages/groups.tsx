/**
 * Groups: find groups by name (or list all, oldest first), a group's fields and members (bans
 * included), and what an operator may do: kick, ban, promote or demote a member, delete the group.
 */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { ConsolePage } from '../extensions.ts';
import { navigate } from '../router.ts';
import { ErrorNote, JsonBlock, Section, Table, useAction, useApi, usePoll, when } from '../ui.tsx';
import { GROUP_STATES, type Group, type ListedUser } from './social.ts';

interface Member {
  user: ListedUser;
  state?: number;
}

function GroupList() {
  const api = useApi();
  const [input, setInput] = useState('');
  const [name, setName] = useState('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const list = usePoll(
    () => api.get<{ groups?: Group[]; cursor?: string }>('/v2/console/group', { name, cursor }),
    0,
    [name, cursor],
  );
  return (
    <Section
      title="Groups"
      actions={
        list.data?.cursor ? (
          <button type="button" class="small" onClick={() => setCursor(list.data?.cursor)}>
            Next page
          </button>
        ) : null
      }
    >
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setCursor(undefined);
          setName(input.trim());
        }}
      >
        <label class="grow">
          Group name starts with
          <input value={input} placeholder="any group" onInput={(e) => setInput(e.currentTarget.value)} />
        </label>
        <button type="submit">Search groups</button>
      </form>
      <ErrorNote error={list.error} />
      <Table
        label="Groups"
        rows={list.data?.groups ?? []}
        rowKey={(g) => g.id}
        empty="No group."
        onRowClick={(g) => navigate('groups', g.id)}
        columns={[
          { title: 'Name', cell: (g) => g.name },
          { title: 'Open', cell: (g) => (g.open ? 'open' : 'closed') },
          { title: 'Members', cell: (g) => `${g.edge_count ?? 0} / ${g.max_count}` },
          { title: 'Language', cell: (g) => g.lang_tag ?? '' },
          { title: 'Created', cell: (g) => when(g.create_time) },
        ]}
      />
    </Section>
  );
}

function GroupDetail({ groupId }: { groupId: string }) {
  const api = useApi();
  const [bans, setBans] = useState(false);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const group = usePoll(() => api.get<Group>(path('/v2/console/group', groupId)), 0, [groupId]);
  const members = usePoll(
    () =>
      api.get<{ group_users?: Member[]; cursor?: string }>(path('/v2/console/group', groupId, 'member'), {
        state: bans ? '4' : undefined,
        cursor,
      }),
    0,
    [groupId, bans, cursor],
  );
  const act = useAction();
  const change = (userId: string, action: string) =>
    void act
      .run(() => api.post(path('/v2/console/group', groupId, 'member', userId, action), {}))
      .then(() => {
        members.reload();
        group.reload();
      });
  const g = group.data;
  return (
    <>
      <Section
        title={g ? `Group ${g.name}` : 'Group'}
        actions={
          <>
            <button type="button" class="small" onClick={() => navigate('groups')}>
              All groups
            </button>
            <button
              type="button"
              class="small danger"
              disabled={act.busy || !g}
              onClick={() =>
                void act
                  .run(() => api.del(path('/v2/console/group', groupId)))
                  .then((ok) => ok && navigate('groups'))
              }
            >
              Delete group
            </button>
          </>
        }
      >
        <ErrorNote error={group.error ?? act.error} />
        {g ? (
          <dl class="facts">
            <dt>Id</dt>
            <dd>
              <code>{g.id}</code>
            </dd>
            <dt>Open</dt>
            <dd>{g.open ? 'open (anyone joins)' : 'closed (join requests)'}</dd>
            <dt>Members</dt>
            <dd>
              {g.edge_count ?? 0} of at most {g.max_count}
            </dd>
            <dt>Description</dt>
            <dd>{g.description ?? ''}</dd>
            <dt>Metadata</dt>
            <dd>
              <JsonBlock value={g.metadata ?? '{}'} label="Group metadata" />
            </dd>
          </dl>
        ) : null}
      </Section>
      <Section
        title={bans ? 'Banned users' : 'Members and join requests'}
        actions={
          <>
            <button
              type="button"
              class="small"
              onClick={() => {
                setCursor(undefined);
                setBans(!bans);
              }}
            >
              {bans ? 'Show members' : 'Show bans'}
            </button>
            {members.data?.cursor ? (
              <button type="button" class="small" onClick={() => setCursor(members.data?.cursor)}>
                Next page
              </button>
            ) : null}
          </>
        }
      >
        <ErrorNote error={members.error} />
        <Table
          label="Group members"
          rows={members.data?.group_users ?? []}
          rowKey={(m) => m.user.id}
          empty={bans ? 'Nobody is banned.' : 'No member.'}
          columns={[
            {
              title: 'User',
              cell: (m) => (
                <a href={`#/accounts/${encodeURIComponent(m.user.id)}`}>
                  {m.user.username}
                  {m.user.online ? ' (online)' : ''}
                </a>
              ),
            },
            { title: 'State', cell: (m) => GROUP_STATES[m.state ?? 0] },
            {
              title: '',
              cell: (m) => (
                <span class="row">
                  {(bans ? ['kick'] : ['promote', 'demote', 'kick', 'ban']).map((action) => (
                    <button
                      key={action}
                      type="button"
                      class={`small${action === 'ban' || action === 'kick' ? ' danger' : ''}`}
                      disabled={act.busy}
                      aria-label={`${bans && action === 'kick' ? 'Unban' : action} ${m.user.username}`}
                      onClick={() => change(m.user.id, action)}
                    >
                      {bans ? 'Unban' : action}
                    </button>
                  ))}
                </span>
              ),
            },
          ]}
        />
      </Section>
    </>
  );
}

function GroupsPage({ params }: { params: readonly string[] }) {
  return params[0] ? <GroupDetail groupId={params[0]} /> : <GroupList />;
}

/** The groups page. */
export const groupsPage: ConsolePage = { id: 'groups', title: 'Groups', component: GroupsPage };
