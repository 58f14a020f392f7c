/** Status: each node's sessions by carrier, matches, message rates and memory, with live graphs. */
import { LiveChart } from '../chart.tsx';
import type { ConsolePage } from '../extensions.ts';
import { bytes, duration, ErrorNote, Section, Stat, useApi, usePoll } from '../ui.tsx';

interface NodeStatus {
  name: string;
  address: string;
  database: string;
  node_version: string;
  pid: number;
  uptime_sec: number;
  sessions: number;
  sessions_by_carrier: Record<string, number>;
  matches: { authoritative: number; relayed: number };
  messages: { in_total: number; out_total: number; in_per_sec: number; out_per_sec: number };
  bytes: { in_total: number; out_total: number };
  memory: { rss: number; heap_used: number; heap_total: number; external: number };
}

interface Sample {
  t: number;
  sessions: number;
  matches: number;
  inPerSec: number;
  outPerSec: number;
  heapUsed: number;
  rss: number;
}

const MB = 1_000_000;

function StatusPage() {
  const api = useApi();
  const { data, error } = usePoll(
    () => api.get<{ nodes: NodeStatus[]; samples: Sample[] }>('/v2/console/status'),
    2000,
    [],
  );
  const samples = data?.samples ?? [];
  const times = samples.map((s) => s.t);
  return (
    <>
      <ErrorNote error={error} />
      {(data?.nodes ?? []).map((n) => (
        <Section key={n.name} title={`Node ${n.name}`}>
          <p class="muted">
            {n.address} · {n.database} · Node {n.node_version} · pid {n.pid} · up {duration(n.uptime_sec)}
          </p>
          <div class="stats">
            <Stat
              label="Sessions"
              value={n.sessions}
              detail={
                Object.entries(n.sessions_by_carrier)
                  .map(([carrier, count]) => `${carrier} ${count}`)
                  .join(' · ') || 'none'
              }
            />
            <Stat
              label="Matches"
              value={n.matches.authoritative + n.matches.relayed}
              detail={`${n.matches.authoritative} authoritative · ${n.matches.relayed} relayed`}
            />
            <Stat
              label="Messages/s"
              value={`${n.messages.in_per_sec} in · ${n.messages.out_per_sec} out`}
              detail={`${n.messages.in_total} in, ${n.messages.out_total} out since start`}
            />
            <Stat
              label="Memory"
              value={bytes(n.memory.heap_used)}
              detail={`heap of ${bytes(n.memory.heap_total)} · rss ${bytes(n.memory.rss)}`}
            />
          </div>
        </Section>
      ))}
      <Section title="Live">
        <div class="charts">
          <LiveChart
            title="Sessions and matches"
            times={times}
            lines={[
              { label: 'sessions', color: '#2563eb', values: samples.map((s) => s.sessions) },
              { label: 'matches', color: '#16a34a', values: samples.map((s) => s.matches) },
            ]}
          />
          <LiveChart
            title="Messages per second"
            times={times}
            lines={[
              { label: 'in', color: '#9333ea', values: samples.map((s) => s.inPerSec) },
              { label: 'out', color: '#ea580c', values: samples.map((s) => s.outPerSec) },
            ]}
          />
          <LiveChart
            title="Memory (MB)"
            times={times}
            lines={[
              { label: 'heap used', color: '#0891b2', values: samples.map((s) => s.heapUsed / MB) },
              { label: 'rss', color: '#64748b', values: samples.map((s) => s.rss / MB) },
            ]}
          />
        </div>
        {samples.length < 2 ? (
          <p class="muted">Graphs fill in as the server is sampled (every 2 s).</p>
        ) : null}
      </Section>
    </>
  );
}

/** The status page. */
export const statusPage: ConsolePage = { id: 'status', title: 'Status', component: StatusPage };
