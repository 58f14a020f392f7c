/**
 * An account's ways to log in (devices, custom id, email), each with an Unlink button, and the
 * account's deletion behind a confirmation. The server refuses to unlink the last way to log in.
 */
import { useState } from 'preact/hooks';
import { path } from '../api.ts';
import { navigate } from '../router.ts';
import { ErrorNote, Table, useAction, useApi } from '../ui.tsx';

/** One identity of an account, as the table lists it. */
interface Identity {
  readonly kind: 'device' | 'custom' | 'email';
  readonly title: string;
  readonly value: string;
}

/** The identities of an account, as `GET /v2/console/account/:id` gives them. */
export interface AccountIdentities {
  email?: string;
  custom_id?: string;
  devices?: { id: string }[];
}

/** The identities table; `onChange` runs after an unlink. */
export function Identities(props: { userId: string; account: AccountIdentities; onChange: () => void }) {
  const api = useApi();
  const unlink = useAction();
  const rows: Identity[] = [
    ...(props.account.devices ?? []).map((d) => ({ kind: 'device' as const, title: 'Device', value: d.id })),
    ...(props.account.custom_id
      ? [{ kind: 'custom' as const, title: 'Custom id', value: props.account.custom_id }]
      : []),
    ...(props.account.email ? [{ kind: 'email' as const, title: 'Email', value: props.account.email }] : []),
  ];
  const run = (i: Identity) =>
    void unlink
      .run(() =>
        api.post(
          path('/v2/console/account', props.userId, 'unlink', i.kind),
          i.kind === 'device' ? { device_id: i.value } : {},
        ),
      )
      .then((ok) => {
        if (ok) props.onChange();
      });
  return (
    <>
      <ErrorNote error={unlink.error} />
      <Table
        label="Identities"
        rows={rows}
        rowKey={(i) => `${i.kind}:${i.value}`}
        empty="No way to log in."
        columns={[
          { title: 'Kind', cell: (i) => i.title },
          { title: 'Id', cell: (i) => <code>{i.value}</code> },
          {
            title: '',
            cell: (i) => (
              <button
                type="button"
                class="small"
                aria-label={`Unlink ${i.title.toLowerCase()} ${i.value}`}
                disabled={unlink.busy}
                onClick={() => run(i)}
              >
                Unlink
              </button>
            ),
          },
        ]}
      />
      <p class="muted">The last way to log in cannot be unlinked.</p>
    </>
  );
}

/**
 * "Delete account", then a confirmation naming the user. Deleting removes the user's data, ends its
 * tokens and closes its sockets; the page then goes back to the search.
 */
export function DeleteAccount(props: { userId: string; username: string }) {
  const api = useApi();
  const del = useAction();
  const [asking, setAsking] = useState(false);
  const [record, setRecord] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Delete account
      </button>
    );
  }
  const confirm = () =>
    void del
      .run(() =>
        api.del(`${path('/v2/console/account', props.userId)}${record ? '?record_deletion=true' : ''}`),
      )
      .then((ok) => {
        if (ok) navigate('accounts', 'deleted', props.username);
      });
  return (
    <fieldset class="row confirm" aria-label="Confirm deletion">
      <span>
        Delete <strong>{props.username}</strong> and all its data?
      </span>
      <label class="inline">
        <input type="checkbox" checked={record} onChange={(e) => setRecord(e.currentTarget.checked)} />
        Record the deletion
      </label>
      <button type="button" class="danger" disabled={del.busy} onClick={confirm}>
        Delete for good
      </button>
      <button type="button" disabled={del.busy} onClick={() => setAsking(false)}>
        Cancel
      </button>
      <ErrorNote error={del.error} />
    </fieldset>
  );
}
