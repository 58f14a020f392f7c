/** Chat: channels with members now, any channel's history, deleting a message. */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { ConsolePage } from '../extensions.ts';
import { navigate } from '../router.ts';
import { ErrorNote, Section, Table, useAction, useApi, usePoll, when } from '../ui.tsx';

interface Channel {
  channel_id: string;
  kind: string;
  members: number;
  room_name?: string;
  user_id_one?: string;
  user_id_two?: string;
  group_id?: string;
}

interface Message {
  message_id: string;
  code: number;
  sender_id: string;
  username: string;
  content: string;
  create_time: string;
}

/** A room name becomes its channel id (`2...<name>`); a channel id stays as it is. */
function channelIdOf(input: string): string {
  const t = input.trim();
  return /^\d+\./.test(t) ? t : `2...${t}`;
}

function Channels() {
  const api = useApi();
  const [input, setInput] = useState('');
  const list = usePoll(() => api.get<{ channels: Channel[] }>('/v2/console/channel'), 5000, []);
  return (
    <Section title="Channels">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (input.trim()) navigate('chat', channelIdOf(input));
        }}
      >
        <label class="grow">
          Channel id or room name
          <input
            value={input}
            placeholder="lobby, or 2...lobby"
            onInput={(e) => setInput(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Open history</button>
      </form>
      <ErrorNote error={list.error} />
      <Table
        label="Channels with members"
        rows={list.data?.channels ?? []}
        rowKey={(c) => c.channel_id}
        empty="No channel has members now; open any channel's history by id or room name."
        onRowClick={(c) => navigate('chat', c.channel_id)}
        columns={[
          {
            title: 'Channel',
            cell: (c) => c.room_name ?? c.group_id ?? `${c.user_id_one} ↔ ${c.user_id_two}`,
          },
          { title: 'Kind', cell: (c) => c.kind },
          { title: 'Members', cell: (c) => c.members },
          { title: 'Id', cell: (c) => <code>{c.channel_id}</code> },
        ]}
      />
    </Section>
  );
}

function History({ channelId }: { channelId: string }) {
  const api = useApi();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const page = usePoll(
    () =>
      api.get<{ messages?: Message[]; next_cursor?: string }>(
        path('/v2/console/channel', channelId, 'message'),
        {
          cursor,
        },
      ),
    0,
    [channelId, cursor],
  );
  const remove = useAction();
  return (
    <Section
      title={`History of ${channelId}`}
      actions={
        <>
          <button type="button" class="small" onClick={() => navigate('chat')}>
            All channels
          </button>
          {cursor ? (
            <button type="button" class="small" onClick={() => setCursor(undefined)}>
              Newest
            </button>
          ) : null}
          {page.data?.next_cursor ? (
            <button type="button" class="small" onClick={() => setCursor(page.data?.next_cursor)}>
              Older
            </button>
          ) : null}
        </>
      }
    >
      <ErrorNote error={page.error ?? remove.error} />
      <Table
        label="Messages"
        rows={page.data?.messages ?? []}
        rowKey={(m) => m.message_id}
        empty="No stored message (only messages sent with persistence are kept)."
        columns={[
          { title: 'Sent', cell: (m) => when(m.create_time) },
          { title: 'From', cell: (m) => m.username },
          { title: 'Content', cell: (m) => <code>{m.content}</code> },
          {
            title: '',
            cell: (m) => (
              <button
                type="button"
                class="small danger"
                disabled={remove.busy}
                aria-label={`Delete message ${m.message_id}`}
                onClick={() =>
                  void remove
                    .run(() => api.del(path('/v2/console/channel', channelId, 'message', m.message_id)))
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

function ChatPage({ params }: { params: readonly string[] }) {
  return params[0] ? <History channelId={params[0]} /> : <Channels />;
}

/** The chat page. */
export const chatPage: ConsolePage = { id: 'chat', title: 'Chat', component: ChatPage };
