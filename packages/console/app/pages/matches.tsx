/** Matches: running relayed and authoritative matches with labels, sizes and members, live. */
import { useState } from 'preact/hooks';
import type { ConsolePage } from '../extensions.ts';
import { ErrorNote, Section, Table, useApi, usePoll } from '../ui.tsx';

interface Presence {
  user_id: string;
  session_id: string;
  username: string;
}

interface MatchRow {
  match_id: string;
  authoritative?: boolean;
  label?: string;
  size?: number;
  tick_rate?: number;
  handler_name?: string;
  presences: Presence[];
}

function MatchesPage() {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const list = usePoll(
    () =>
      api.get<{ counts: { authoritative: number; relayed: number }; matches: MatchRow[] }>(
        '/v2/console/match',
        {
          query: applied,
        },
      ),
    2000,
    [applied],
  );
  const counts = list.data?.counts;
  return (
    <Section
      title="Running matches"
      actions={
        counts ? (
          <span class="muted">
            {counts.authoritative} authoritative · {counts.relayed} relayed
          </span>
        ) : null
      }
    >
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(query);
        }}
      >
        <label class="grow">
          Label query
          <input
            value={query}
            placeholder="+label.mode:ranked (authoritative matches only)"
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={list.error} />
      <Table
        label="Matches"
        rows={list.data?.matches ?? []}
        rowKey={(m) => m.match_id}
        empty="No match is running."
        columns={[
          { title: 'Match id', cell: (m) => <code>{m.match_id}</code> },
          { title: 'Kind', cell: (m) => (m.authoritative ? 'authoritative' : 'relayed') },
          { title: 'Handler', cell: (m) => m.handler_name ?? '' },
          { title: 'Label', cell: (m) => (m.label ? <code>{m.label}</code> : '') },
          { title: 'Tick rate', cell: (m) => m.tick_rate ?? '' },
          { title: 'Size', cell: (m) => m.size ?? 0 },
          {
            title: 'Members',
            cell: (m) => m.presences.map((p) => p.username).join(', '),
          },
        ]}
      />
    </Section>
  );
}

/** The matches page. */
export const matchesPage: ConsolePage = { id: 'matches', title: 'Matches', component: MatchesPage };
