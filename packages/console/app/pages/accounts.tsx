/**
 * Accounts: search by user id, part of a username or email (any case), device id or custom id, a page
 * at a time; `#/accounts/<id>` shows one account, `#/accounts/search/<term>` runs a search, and
 * `#/accounts/deleted/<username>` is where a deletion lands.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ConsolePage } from '../extensions.ts';
import { navigate } from '../router.ts';
import { ErrorNote, Section, Table, useAction, useApi, when } from '../ui.tsx';
import { AccountDetail } from './account.tsx';

/** A user as the search lists it. */
export interface ConsoleUser {
  id: string;
  username: string;
  display_name?: string;
  create_time?: string;
  disable_time?: string;
}

interface SearchPage {
  users: ConsoleUser[];
  cursor?: string;
}

/** Accounts per page of results. */
const PAGE = 20;

function Search({ initial, notice }: { initial: string; notice?: string | undefined }) {
  const api = useApi();
  const [term, setTerm] = useState(initial);
  const [page, setPage] = useState<SearchPage | undefined>(undefined);
  // The cursors of the pages before the current one ('' for the first), for "Previous page".
  const [trail, setTrail] = useState<string[]>([]);
  const [searched, setSearched] = useState('');
  const search = useAction();
  const load = (q: string, cursor: string, before: string[]) =>
    void search.run(async () => {
      const res = await api.get<SearchPage>('/v2/console/account', { q, cursor, limit: PAGE });
      setPage(res);
      setTrail([...before, cursor]);
      setSearched(q);
    });
  // Runs the route's search once. The field starts from `initial` in the first render and is never
  // set afterwards (effects run after the page is painted, when a person or a test may already be
  // typing); a new route term gives a new component (keyed in AccountsPage).
  useEffect(() => {
    if (initial.trim() !== '') load(initial.trim(), '', []);
  }, []);
  const submit = (e: Event) => {
    e.preventDefault();
    load(term.trim(), '', []);
  };
  const back = trail.slice(0, -1);
  return (
    <Section title="Find an account">
      {notice ? (
        <p class="ok" role="status">
          {notice}
        </p>
      ) : null}
      <form class="row" onSubmit={submit}>
        <label class="grow">
          Search accounts
          <input
            type="search"
            value={term}
            placeholder="user id, part of a username or email, device id or custom id"
            onInput={(e) => setTerm(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={search.busy || term.trim() === ''}>
          Search
        </button>
      </form>
      <ErrorNote error={search.error} />
      {page ? (
        <>
          <Table
            label="Accounts found"
            rows={page.users}
            rowKey={(u) => u.id}
            empty="No account matches."
            onRowClick={(u) => navigate('accounts', u.id)}
            columns={[
              { title: 'Username', cell: (u) => <a href={`#/accounts/${u.id}`}>{u.username}</a> },
              { title: 'User id', cell: (u) => <code>{u.id}</code> },
              { title: 'Display name', cell: (u) => u.display_name ?? '' },
              { title: 'Created', cell: (u) => when(u.create_time) },
              {
                title: 'Status',
                cell: (u) =>
                  u.disable_time ? <span class="badge bad">banned</span> : <span class="badge">active</span>,
              },
            ]}
          />
          <div class="row">
            <button
              type="button"
              disabled={search.busy || back.length === 0}
              onClick={() => load(searched, back[back.length - 1] ?? '', back.slice(0, -1))}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={search.busy || !page.cursor}
              onClick={() => load(searched, page.cursor ?? '', trail)}
            >
              Next page
            </button>
            <span class="muted">Page {trail.length}</span>
          </div>
        </>
      ) : (
        <p class="muted">
          Usernames and emails match by any part, in any case; user ids, device ids and custom ids match
          whole.
        </p>
      )}
    </Section>
  );
}

function AccountsPage({ params }: { params: readonly string[] }) {
  const [first, second] = params;
  if (first === 'search') return <Search key={`search/${second ?? ''}`} initial={second ?? ''} />;
  if (first === 'deleted')
    return (
      <Search
        key={`deleted/${second ?? ''}`}
        initial={second ?? ''}
        notice={`Account ${second ?? ''} deleted.`}
      />
    );
  return first ? <AccountDetail userId={first} /> : <Search key="" initial="" />;
}

/** The accounts page. */
export const accountsPage: ConsolePage = { id: 'accounts', title: 'Accounts', component: AccountsPage };
