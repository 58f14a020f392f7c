/** The user's stored notifications, oldest first, with a delete button. */
import { path } from '../api.ts';
import type { AccountPanel } from '../extensions.ts';
import { ErrorNote, Table, useAction, useApi, usePoll, when } from '../ui.tsx';

interface StoredNotification {
  id: string;
  subject: string;
  content: string;
  code: number;
  sender_id?: string;
  create_time: string;
}

function Notifications({ userId }: { userId: string }) {
  const api = useApi();
  const list = usePoll(
    () =>
      api.get<{ notifications?: StoredNotification[] }>(path('/v2/console/account', userId, 'notification')),
    0,
    [userId],
  );
  const remove = useAction();
  return (
    <>
      <ErrorNote error={list.error ?? remove.error} />
      <Table
        label="Notifications"
        rows={list.data?.notifications ?? []}
        rowKey={(n) => n.id}
        empty="No stored notification."
        columns={[
          { title: 'Sent', cell: (n) => when(n.create_time) },
          { title: 'Code', cell: (n) => n.code },
          { title: 'Subject', cell: (n) => n.subject },
          { title: 'Content', cell: (n) => <code>{n.content}</code> },
          { title: 'Sender', cell: (n) => (n.sender_id ? <code>{n.sender_id}</code> : 'system') },
          {
            title: '',
            cell: (n) => (
              <button
                type="button"
                class="small danger"
                disabled={remove.busy}
                onClick={() =>
                  void remove
                    .run(() => api.del(path('/v2/console/account', userId, 'notification', n.id)))
                    .then(list.reload)
                }
              >
                Delete
              </button>
            ),
          },
        ]}
      />
    </>
  );
}

/** The notifications panel. */
export const notificationsPanel: AccountPanel = {
  id: 'notifications',
  title: 'Notifications',
  component: Notifications,
};
