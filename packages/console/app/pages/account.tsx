/** One account: profile (editable), identities (unlink), wallet, ban, delete, and the panels features add. */
import { useEffect, useState } from 'preact/hooks';
import { ACCOUNT_PANELS } from '../account-panels.ts';
import { path } from '../api.ts';
import { ErrorNote, JsonBlock, Section, useAction, useApi, usePoll, when } from '../ui.tsx';
import { DeleteAccount, Identities } from './account-identities.tsx';

interface Account {
  user: {
    id: string;
    username: string;
    display_name?: string;
    avatar_url?: string;
    lang_tag?: string;
    location?: string;
    timezone?: string;
    metadata?: string;
    create_time?: string;
    update_time?: string;
  };
  wallet?: string;
  email?: string;
  custom_id?: string;
  devices?: { id: string }[];
  disable_time?: string;
}

const FIELDS = [
  ['username', 'Username'],
  ['display_name', 'Display name'],
  ['avatar_url', 'Avatar URL'],
  ['lang_tag', 'Language'],
  ['location', 'Location'],
  ['timezone', 'Timezone'],
] as const;

type Form = Record<(typeof FIELDS)[number][0] | 'metadata', string>;

function formOf(a: Account): Form {
  return {
    username: a.user.username,
    display_name: a.user.display_name ?? '',
    avatar_url: a.user.avatar_url ?? '',
    lang_tag: a.user.lang_tag ?? '',
    location: a.user.location ?? '',
    timezone: a.user.timezone ?? '',
    metadata: a.user.metadata ?? '{}',
  };
}

/** The account page of one user. */
export function AccountDetail({ userId }: { userId: string }) {
  const api = useApi();
  const account = usePoll(() => api.get<Account>(path('/v2/console/account', userId)), 0, [userId]);
  const a = account.data;
  const [form, setForm] = useState<Form | undefined>(undefined);
  const save = useAction();
  const ban = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (a) setForm(formOf(a));
  }, [a]);

  if (!a || !form) return <ErrorNote error={account.error} />;
  const banned = a.disable_time !== undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void save
      .run(() => api.put(path('/v2/console/account', userId), form))
      .then((ok) => {
        setSaved(ok);
        if (ok) account.reload();
      });
  };
  const toggleBan = () =>
    void ban
      .run(() => api.post(path('/v2/console/account', userId, banned ? 'unban' : 'ban'), {}))
      .then(() => account.reload());

  return (
    <>
      <Section
        title={`Account ${a.user.username}`}
        actions={
          <>
            <button type="button" class={banned ? '' : 'danger'} disabled={ban.busy} onClick={toggleBan}>
              {banned ? 'Unban' : 'Ban'}
            </button>
            <DeleteAccount userId={a.user.id} username={a.user.username} />
          </>
        }
      >
        <ErrorNote error={account.error ?? ban.error} />
        <dl class="facts">
          <dt>User id</dt>
          <dd>
            <code>{a.user.id}</code>
          </dd>
          <dt>Status</dt>
          <dd>
            {banned ? (
              <span class="badge bad">banned since {when(a.disable_time)}</span>
            ) : (
              <span class="badge">active</span>
            )}
          </dd>
          <dt>Created</dt>
          <dd>{when(a.user.create_time)}</dd>
          <dt>Updated</dt>
          <dd>{when(a.user.update_time)}</dd>
        </dl>
      </Section>
      <Section title="Identities">
        <Identities userId={a.user.id} account={a} onChange={account.reload} />
      </Section>
      <Section title="Profile">
        <form class="grid" onSubmit={submit}>
          {FIELDS.map(([key, label]) => (
            <label key={key}>
              {label}
              <input value={form[key]} onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })} />
            </label>
          ))}
          <label class="wide">
            Metadata (JSON object)
            <textarea
              rows={4}
              value={form.metadata}
              onInput={(e) => setForm({ ...form, metadata: e.currentTarget.value })}
            />
          </label>
          <div class="wide row">
            <button type="submit" disabled={save.busy}>
              Save profile
            </button>
            {saved ? <span class="ok">Saved.</span> : null}
          </div>
        </form>
        <ErrorNote error={save.error} />
      </Section>
      <Section title="Wallet">
        <JsonBlock label="Wallet" value={a.wallet ?? '{}'} />
      </Section>
      {ACCOUNT_PANELS.map((p) => (
        <Section key={p.id} title={p.title}>
          <p.component userId={a.user.id} />
        </Section>
      ))}
    </>
  );
}
