/**
 * The storage browser: collections, a collection's objects (every owner's or one's), and an editor
 * that writes or deletes any object with server code's authority. A save sends the version the
 * object was read at, so an edit of a copy someone changed meanwhile is refused, not lost.
 */
import { useState } from 'preact/hooks';
import { ApiError, path } from '../api.ts';
import type { ConsolePage } from '../extensions.ts';
import { navigate } from '../router.ts';
import { ErrorNote, Section, Table, useAction, useApi, usePoll, when } from '../ui.tsx';

/** The owner of system objects. */
export const SYSTEM = '00000000-0000-0000-0000-000000000000';

/** A storage object as the admin API returns it (`api.StorageObject`). */
export interface StoredObject {
  collection: string;
  key: string;
  user_id: string;
  value: string;
  version: string;
  permission_read?: number;
  permission_write?: number;
  create_time: string;
  update_time: string;
}

/** `system` for the nil UUID, the user id otherwise. */
export function ownerLabel(userId: string): string {
  return userId === SYSTEM ? 'system' : userId;
}

function Collections() {
  const api = useApi();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [form, setForm] = useState({ collection: '', key: '', owner: '' });
  const list = usePoll(
    () => api.get<{ collections?: string[]; cursor?: string }>('/v2/console/storage', { cursor }),
    0,
    [cursor],
  );
  return (
    <Section
      title="Collections"
      actions={
        list.data?.cursor ? (
          <button type="button" class="small" onClick={() => setCursor(list.data?.cursor)}>
            More
          </button>
        ) : null
      }
    >
      <ErrorNote error={list.error} />
      <Table
        label="Collections"
        rows={list.data?.collections ?? []}
        rowKey={(c) => c}
        empty="No storage object yet."
        onRowClick={(c) => navigate('storage', c)}
        columns={[{ title: 'Collection', cell: (c) => c }]}
      />
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (form.collection && form.key)
            navigate('storage', form.collection, form.key, form.owner || SYSTEM);
        }}
      >
        <label class="grow">
          Collection
          <input
            value={form.collection}
            onInput={(e) => setForm({ ...form, collection: e.currentTarget.value })}
          />
        </label>
        <label class="grow">
          Key
          <input value={form.key} onInput={(e) => setForm({ ...form, key: e.currentTarget.value })} />
        </label>
        <label class="grow">
          Owner (user id; empty: system)
          <input value={form.owner} onInput={(e) => setForm({ ...form, owner: e.currentTarget.value })} />
        </label>
        <button type="submit">Open object</button>
      </form>
    </Section>
  );
}

/** A table of objects; a row opens its editor. */
export function ObjectTable({ objects, label }: { objects: readonly StoredObject[]; label: string }) {
  return (
    <Table
      label={label}
      rows={objects}
      rowKey={(o) => `${o.collection}/${o.key}/${o.user_id}`}
      empty="No object."
      onRowClick={(o) => navigate('storage', o.collection, o.key, o.user_id)}
      columns={[
        { title: 'Collection', cell: (o) => o.collection },
        { title: 'Key', cell: (o) => o.key },
        { title: 'Owner', cell: (o) => <code>{ownerLabel(o.user_id)}</code> },
        { title: 'Read', cell: (o) => o.permission_read ?? 0 },
        { title: 'Write', cell: (o) => o.permission_write ?? 0 },
        { title: 'Updated', cell: (o) => when(o.update_time) },
      ]}
    />
  );
}

function Objects({ collection }: { collection: string }) {
  const api = useApi();
  const [owner, setOwner] = useState('');
  const [filter, setFilter] = useState('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const page = usePoll(
    () =>
      api.get<{ objects?: StoredObject[]; cursor?: string }>(path('/v2/console/storage', collection), {
        user_id: filter,
        cursor,
      }),
    0,
    [collection, filter, cursor],
  );
  return (
    <Section
      title={`Collection ${collection}`}
      actions={
        <>
          <button type="button" class="small" onClick={() => navigate('storage')}>
            All collections
          </button>
          {cursor ? (
            <button type="button" class="small" onClick={() => setCursor(undefined)}>
              First page
            </button>
          ) : null}
          {page.data?.cursor ? (
            <button type="button" class="small" onClick={() => setCursor(page.data?.cursor)}>
              Next page
            </button>
          ) : null}
        </>
      }
    >
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setCursor(undefined);
          setFilter(owner.trim());
        }}
      >
        <label class="grow">
          Owner (user id, or {SYSTEM} for the system; empty: every owner)
          <input value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={page.error} />
      <ObjectTable label="Objects" objects={page.data?.objects ?? []} />
    </Section>
  );
}

function Editor({
  collection,
  objectKey,
  userId,
}: {
  collection: string;
  objectKey: string;
  userId: string;
}) {
  const api = useApi();
  const url = path('/v2/console/storage', collection, objectKey, userId);
  const found = usePoll(
    () =>
      api.get<StoredObject>(url).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    0,
    [url],
  );
  // Here rather than in the form, which starts again (and would forget it) when the save reloads.
  const [saved, setSaved] = useState(false);
  if (found.data === undefined) return <ErrorNote error={found.error} />;
  // Keyed by version: a save (which reloads) starts the form again from what was stored, and the
  // form's first render already holds the object, so nothing typed is overwritten after it shows.
  return (
    <EditorForm
      key={found.data?.version ?? 'new'}
      collection={collection}
      objectKey={objectKey}
      userId={userId}
      url={url}
      current={found.data}
      loadError={found.error}
      reload={found.reload}
      saved={saved}
      setSaved={setSaved}
    />
  );
}

function EditorForm({
  collection,
  objectKey,
  userId,
  url,
  current,
  loadError,
  reload,
  saved,
  setSaved,
}: {
  collection: string;
  objectKey: string;
  userId: string;
  url: string;
  current: StoredObject | null;
  loadError: string | undefined;
  reload: () => void;
  saved: boolean;
  setSaved: (saved: boolean) => void;
}) {
  const api = useApi();
  const [form, setForm] = useState(() =>
    current
      ? { value: current.value, read: current.permission_read ?? 0, write: current.permission_write ?? 0 }
      : { value: '{}', read: 1, write: 1 },
  );
  const save = useAction();
  const remove = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void save
      .run(() =>
        api.put(url, {
          value: form.value,
          // Create only when it did not exist; otherwise only over the version shown.
          version: current ? current.version : '*',
          permission_read: form.read,
          permission_write: form.write,
        }),
      )
      .then((ok) => {
        setSaved(ok);
        if (ok) reload();
      });
  };
  return (
    <Section
      title={`${collection} / ${objectKey}`}
      actions={
        <button type="button" class="small" onClick={() => navigate('storage', collection)}>
          Collection {collection}
        </button>
      }
    >
      <dl class="facts">
        <dt>Owner</dt>
        <dd>
          <code>{ownerLabel(userId)}</code>
        </dd>
        <dt>Version</dt>
        <dd>{current ? <code>{current.version}</code> : 'new object'}</dd>
        <dt>Created</dt>
        <dd>{current ? when(current.create_time) : '—'}</dd>
        <dt>Updated</dt>
        <dd>{current ? when(current.update_time) : '—'}</dd>
      </dl>
      <form class="grid" onSubmit={submit}>
        <label class="wide">
          Value
          <textarea
            rows={12}
            value={form.value}
            onInput={(e) => setForm({ ...form, value: e.currentTarget.value })}
          />
        </label>
        <label>
          Read permission
          <select
            value={form.read}
            onChange={(e) => setForm({ ...form, read: Number(e.currentTarget.value) })}
          >
            <option value={0}>0: server code only</option>
            <option value={1}>1: the owner</option>
            <option value={2}>2: everyone</option>
          </select>
        </label>
        <label>
          Write permission
          <select
            value={form.write}
            onChange={(e) => setForm({ ...form, write: Number(e.currentTarget.value) })}
          >
            <option value={0}>0: server code only</option>
            <option value={1}>1: the owner</option>
          </select>
        </label>
        <div class="wide row">
          <button type="submit" disabled={save.busy}>
            Save object
          </button>
          {current ? (
            <button
              type="button"
              class="danger"
              disabled={remove.busy}
              onClick={() =>
                void remove
                  .run(() => api.del(`${url}?version=${encodeURIComponent(current.version)}`))
                  .then((ok) => ok && navigate('storage', collection))
              }
            >
              Delete object
            </button>
          ) : null}
          {saved ? <span class="ok">Saved.</span> : null}
        </div>
      </form>
      <ErrorNote error={loadError ?? save.error ?? remove.error} />
    </Section>
  );
}

function StoragePage({ params }: { params: readonly string[] }) {
  const [collection, key, userId] = params;
  if (collection && key) return <Editor collection={collection} objectKey={key} userId={userId ?? SYSTEM} />;
  if (collection) return <Objects collection={collection} />;
  return <Collections />;
}

/** The storage page. */
export const storagePage: ConsolePage = { id: 'storage', title: 'Storage', component: StoragePage };
