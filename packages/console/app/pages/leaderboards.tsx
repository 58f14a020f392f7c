/** Leaderboards and tournaments: every board with its current period's size, a board's records in rank order, deleting a record. */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { ConsolePage } from '../extensions.ts';
import { navigate } from '../router.ts';
import { ErrorNote, Section, Table, useAction, useApi, usePoll, when } from '../ui.tsx';

interface Board {
  id: string;
  tournament: boolean;
  authoritative: boolean;
  sort_order: string;
  operator: string;
  reset_schedule: string;
  title: string;
  category: number;
  expiry_time: number;
  rank_count: number;
}

interface BoardRecord {
  owner_id: string;
  username?: string;
  score?: string;
  subscore?: string;
  num_score?: number;
  rank?: string;
  update_time: string;
}

interface RecordPage {
  leaderboard: Board;
  records?: BoardRecord[];
  next_cursor?: string;
  prev_cursor?: string;
}

function Boards() {
  const api = useApi();
  const list = usePoll(() => api.get<{ leaderboards: Board[] }>('/v2/console/leaderboard'), 5000, []);
  return (
    <Section title="Leaderboards and tournaments">
      <ErrorNote error={list.error} />
      <Table
        label="Leaderboards"
        rows={list.data?.leaderboards ?? []}
        rowKey={(b) => b.id}
        empty="No leaderboard yet: game modules create them with nk.leaderboardCreate or nk.tournamentCreate."
        onRowClick={(b) => navigate('leaderboards', b.id)}
        columns={[
          { title: 'Id', cell: (b) => <code>{b.id}</code> },
          {
            title: 'Kind',
            cell: (b) => (b.tournament ? `tournament${b.title ? `: ${b.title}` : ''}` : 'leaderboard'),
          },
          { title: 'Order', cell: (b) => b.sort_order },
          { title: 'Operator', cell: (b) => b.operator },
          { title: 'Reset', cell: (b) => b.reset_schedule || 'never' },
          { title: 'Records now', cell: (b) => b.rank_count },
          { title: 'Authoritative', cell: (b) => (b.authoritative ? 'yes' : 'no') },
        ]}
      />
    </Section>
  );
}

function Records({ id }: { id: string }) {
  const api = useApi();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const page = usePoll(() => api.get<RecordPage>(path('/v2/console/leaderboard', id), { cursor }), 0, [
    id,
    cursor,
  ]);
  const remove = useAction();
  const board = page.data?.leaderboard;
  return (
    <Section
      title={`Records of ${id}${board ? ` (${board.rank_count} ranked)` : ''}`}
      actions={
        <>
          <button type="button" class="small" onClick={() => navigate('leaderboards')}>
            All leaderboards
          </button>
          {page.data?.prev_cursor ? (
            <button type="button" class="small" onClick={() => setCursor(page.data?.prev_cursor)}>
              Previous
            </button>
          ) : null}
          {page.data?.next_cursor ? (
            <button type="button" class="small" onClick={() => setCursor(page.data?.next_cursor)}>
              Next
            </button>
          ) : null}
        </>
      }
    >
      <ErrorNote error={page.error ?? remove.error} />
      <Table
        label="Records"
        rows={page.data?.records ?? []}
        rowKey={(r) => r.owner_id}
        empty="No record in the current period."
        columns={[
          { title: 'Rank', cell: (r) => r.rank ?? '' },
          { title: 'Owner', cell: (r) => r.username ?? <code>{r.owner_id}</code> },
          { title: 'Score', cell: (r) => r.score ?? '0' },
          { title: 'Subscore', cell: (r) => r.subscore ?? '0' },
          { title: 'Attempts', cell: (r) => r.num_score ?? 0 },
          { title: 'Updated', cell: (r) => when(r.update_time) },
          {
            title: '',
            cell: (r) => (
              <button
                type="button"
                class="small danger"
                disabled={remove.busy}
                aria-label={`Delete the record of ${r.username ?? r.owner_id}`}
                onClick={() =>
                  void remove
                    .run(() => api.del(path('/v2/console/leaderboard', id, 'owner', r.owner_id)))
                    .then(page.reload)
                }
              >
                Delete
              </button>
            ),
          },
        ]}
      />
    </Section>
  );
}

function LeaderboardsPage({ params }: { params: readonly string[] }) {
  return params[0] ? <Records id={params[0]} /> : <Boards />;
}

/** The leaderboards page. */
export const leaderboardsPage: ConsolePage = {
  id: 'leaderboards',
  title: 'Leaderboards',
  component: LeaderboardsPage,
};
