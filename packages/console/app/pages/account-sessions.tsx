/** The user's live realtime sessions on this node, with a disconnect button. */
import { path } from '../api.ts';
import type { AccountPanel } from '../extensions.ts';
import { ErrorNote, Table, useAction, useApi, usePoll, when } from '../ui.tsx';

interface LiveSession {
  session_id: string;
  carrier: string;
  remote_address: string;
  connected_at: string;
  expires_at: string;
  lang: string;
}

function Sessions({ userId }: { userId: string }) {
  const api = useApi();
  const list = usePoll(
    () => api.get<{ sessions: LiveSession[] }>(path('/v2/console/account', userId, 'session')),
    2000,
    [userId],
  );
  const kick = useAction();
  return (
    <>
      <ErrorNote error={list.error ?? kick.error} />
      <Table
        label="Live sessions"
        rows={list.data?.sessions ?? []}
        rowKey={(s) => s.session_id}
        empty="No live session."
        columns={[
          { title: 'Session', cell: (s) => <code>{s.session_id}</code> },
          { title: 'Carrier', cell: (s) => s.carrier },
          { title: 'Address', cell: (s) => s.remote_address },
          { title: 'Connected', cell: (s) => when(s.connected_at) },
          { title: 'Token expires', cell: (s) => when(s.expires_at) },
          {
            title: '',
            cell: (s) => (
              <button
                type="button"
                class="small"
                disabled={kick.busy}
                onClick={() =>
                  void kick.run(() => api.del(path('/v2/console/session', s.session_id))).then(list.reload)
                }
              >
                Disconnect
              </button>
            ),
          },
        ]}
      />
    </>
  );
}

/** The live sessions panel. */
export const sessionsPanel: AccountPanel = { id: 'sessions', title: 'Live sessions', component: Sessions };
