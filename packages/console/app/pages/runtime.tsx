/** Runtime: loaded modules, what they registered, and an explorer that calls an RPC as a chosen user. */
import { useEffect, useState } from 'preact/hooks';
import { path } from '../api.ts';
import type { ConsolePage } from '../extensions.ts';
import { ErrorNote, JsonBlock, Section, useAction, useApi, usePoll } from '../ui.tsx';

interface Hook {
  name: string;
  before: boolean;
  after: boolean;
}

interface RuntimeInfo {
  modules: string[];
  rpc_ids: string[];
  match_handlers: string[];
  socket_hooks: Hook[];
  api_hooks: Hook[];
  matchmaker_hook: boolean;
}

function List({ items, empty }: { items: readonly string[]; empty: string }) {
  return items.length > 0 ? (
    <ul class="chips">
      {items.map((i) => (
        <li key={i}>
          <code>{i}</code>
        </li>
      ))}
    </ul>
  ) : (
    <p class="muted">{empty}</p>
  );
}

const hookNames = (hooks: readonly Hook[]) =>
  hooks.map((h) => `${h.name} (${[h.before && 'before', h.after && 'after'].filter(Boolean).join(', ')})`);

function Explorer({ ids }: { ids: readonly string[] }) {
  const api = useApi();
  const [rpc, setRpc] = useState(ids[0] ?? '');
  const [userId, setUserId] = useState('');
  const [payload, setPayload] = useState('');
  const [result, setResult] = useState<{ payload: string; duration_ms: number } | undefined>(undefined);
  const call = useAction();
  useEffect(() => {
    if (!rpc && ids[0]) setRpc(ids[0]);
  }, [ids, rpc]);
  const submit = (e: Event) => {
    e.preventDefault();
    setResult(undefined);
    void call.run(async () =>
      setResult(await api.post(path('/v2/console/rpc', rpc), { user_id: userId, payload })),
    );
  };
  return (
    <form class="grid" onSubmit={submit}>
      <label>
        RPC
        <select value={rpc} onChange={(e) => setRpc(e.currentTarget.value)}>
          {ids.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </label>
      <label>
        As user id (empty: no user)
        <input value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
      </label>
      <label class="wide">
        Payload
        <textarea rows={4} value={payload} onInput={(e) => setPayload(e.currentTarget.value)} />
      </label>
      <div class="wide row">
        <button type="submit" disabled={call.busy || !rpc}>
          Call
        </button>
        {result ? <span class="ok">Returned in {result.duration_ms} ms</span> : null}
      </div>
      <div class="wide">
        <ErrorNote error={call.error} />
        {result ? (
          <JsonBlock label="RPC result" value={result.payload === '' ? '(empty)' : result.payload} />
        ) : null}
      </div>
    </form>
  );
}

function RuntimePage() {
  const api = useApi();
  const info = usePoll(() => api.get<RuntimeInfo>('/v2/console/runtime'), 0, []);
  const r = info.data;
  if (!r) return <ErrorNote error={info.error} />;
  return (
    <>
      <Section title="Modules">
        <List items={r.modules} empty="No game module is loaded (start with --runtime <dir>)." />
      </Section>
      <Section title="Registered">
        <h3>RPC functions</h3>
        <List items={r.rpc_ids} empty="None." />
        <h3>Match handlers</h3>
        <List items={r.match_handlers} empty="None." />
        <h3>Socket hooks</h3>
        <List items={hookNames(r.socket_hooks)} empty="None." />
        <h3>API hooks</h3>
        <List items={hookNames(r.api_hooks)} empty="None." />
        <h3>Matchmaker hook</h3>
        <p>{r.matchmaker_hook ? 'registered' : 'none'}</p>
      </Section>
      <Section title="RPC explorer">
        {r.rpc_ids.length > 0 ? <Explorer ids={r.rpc_ids} /> : <p class="muted">No RPC to call.</p>}
      </Section>
    </>
  );
}

/** The runtime page. */
export const runtimePage: ConsolePage = { id: 'runtime', title: 'Runtime', component: RuntimePage };
