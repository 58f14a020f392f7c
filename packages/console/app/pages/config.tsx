/** Configuration: every setting the server runs with; secrets are redacted by the server. */
import type { ConsolePage } from '../extensions.ts';
import { ErrorNote, Section, Table, useApi, usePoll } from '../ui.tsx';

function ConfigPage() {
  const api = useApi();
  const config = usePoll(() => api.get<{ config: Record<string, unknown> }>('/v2/console/config'), 0, []);
  const rows = Object.entries(config.data?.config ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Section title="Configuration">
      <ErrorNote error={config.error} />
      <Table
        label="Settings"
        rows={rows}
        rowKey={([name]) => name}
        empty="Loading…"
        columns={[
          { title: 'Setting', cell: ([name]) => <code>{name}</code> },
          {
            title: 'Value',
            cell: ([, value]) =>
              value === '(redacted)' ? (
                <span class="badge">redacted</span>
              ) : (
                <code>{JSON.stringify(value)}</code>
              ),
          },
        ]}
      />
    </Section>
  );
}

/** The configuration page. */
export const configPage: ConsolePage = { id: 'config', title: 'Configuration', component: ConfigPage };
