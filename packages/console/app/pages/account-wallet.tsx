/** The user's wallet ledger, newest first (the balances are shown with the account). */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { AccountPanel } from '../extensions.ts';
import { ErrorNote, Table, useApi, usePoll, when } from '../ui.tsx';

interface LedgerItem {
  id: string;
  changeset: string;
  metadata: string;
  create_time: string;
}

function WalletLedger({ userId }: { userId: string }) {
  const api = useApi();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const page = usePoll(
    () =>
      api.get<{ items?: LedgerItem[]; cursor?: string }>(path('/v2/console/account', userId, 'wallet'), {
        cursor,
      }),
    0,
    [userId, cursor],
  );
  return (
    <>
      <ErrorNote error={page.error} />
      <Table
        label="Wallet ledger"
        rows={page.data?.items ?? []}
        rowKey={(i) => i.id}
        empty="No recorded wallet change (updates record here when server code asks for the ledger)."
        columns={[
          { title: 'When', cell: (i) => when(i.create_time) },
          { title: 'Change', cell: (i) => <code>{i.changeset}</code> },
          { title: 'Metadata', cell: (i) => <code>{i.metadata}</code> },
        ]}
      />
      {page.data?.cursor ? (
        <button type="button" class="small" onClick={() => setCursor(page.data?.cursor)}>
          Older changes
        </button>
      ) : null}
    </>
  );
}

/** The wallet ledger panel. */
export const walletPanel: AccountPanel = {
  id: 'wallet-ledger',
  title: 'Wallet ledger',
  component: WalletLedger,
};
