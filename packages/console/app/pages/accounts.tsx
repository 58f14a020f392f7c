/** Accounts: search by user id, username, device id, custom id or email; `#/accounts/<id>` shows one. */
import { useState } from 'preact/hooks';
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

function Search() {
  const api = useApi();
  const [term, setTerm] = useState('');
  const [users, setUsers] = useState<ConsoleUser[] | undefined>(undefined);
  const search = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void search.run(async () => {
      const res = await api.get<{ users: ConsoleUser[] }>('/v2/console/account', { q: term });
      setUsers(res.users);
    });
  };
  return (
    <Section title="Find an account">
      <form class="row" onSubmit={submit}>
        <label class="grow">
          Search accounts
          <input
            type="search"
            value={term}
            placeholder="user id, username, device id, custom id or email"
            onInput={(e) => setTerm(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={search.busy || term.trim() === ''}>
          Search
        </button>
      </form>
      <ErrorNote error={search.error} />
      {users ? (
        <Table
          label="Accounts found"
          rows={users}
          rowKey={(u) => u.id}
          empty="No account matches exactly."
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
      ) : (
        <p class="muted">Matches are exact: a username in any case, or a whole id or email.</p>
      )}
    </Section>
  );
}

function AccountsPage({ params }: { params: readonly string[] }) {
  return params[0] ? <AccountDetail userId={params[0]} /> : <Search />;
}

/** The accounts page. */
export const accountsPage: ConsolePage = { id: 'accounts', title: 'Accounts', component: AccountsPage };
