import { useState } from 'preact/hooks';
import { bindVolumes, unbindVolumes, type ResourceFailure } from '../../api/policies.js';
import { getStatistics } from '../../api/statistics.js';
import { listVolumes, type Volume } from '../../api/volumes.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert, Notice } from '../../components/ErrorAlert.js';
import { formatGiB } from '../../components/format.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';

/**
 * Binding volumes to the policy. The API lists no policy's volumes; the statistics name the ON
 * policy protecting each volume, so "Protected by" says which are this policy's while it is ON.
 */
export function PolicyVolumes({ policyId, onChanged }: { policyId: string; onChanged: () => void }) {
  const api = useApi();
  const data = useLoad(async () => {
    const [volumes, stats] = await Promise.all([listVolumes(api), getStatistics(api).catch(() => undefined)]);
    return { volumes, protectedBy: new Map((stats?.volumes ?? []).map((v) => [v.id, v.policy_id])) };
  }, []);
  const [selected, setSelected] = useState<string[]>([]);
  const [result, setResult] = useState<{ done: string; failures: ResourceFailure[] } | undefined>(undefined);
  const change = useAction(async (bind: boolean) => {
    const failures = await (bind ? bindVolumes : unbindVolumes)(api, policyId, selected);
    setResult({ done: `${selected.length - failures.length} volume(s) ${bind ? 'bound' : 'unbound'}.`, failures });
    setSelected([]);
    data.reload();
    onChanged();
  });
  const protection = (v: Volume) => {
    const p = data.data?.protectedBy.get(v.id);
    return p === policyId ? 'this policy' : p ? 'another policy' : '—';
  };
  return (
    <section aria-labelledby="policy-volumes">
      <h2 id="policy-volumes">Volumes</h2>
      <ErrorAlert error={data.error} />
      <DataTable<Volume>
        caption="Volumes to bind or unbind"
        rows={data.data?.volumes ?? []}
        rowKey={(v) => v.id}
        empty={data.loading ? 'Loading…' : 'No volumes in this project.'}
        columns={[
          {
            label: 'Select',
            render: (v) => (
              <input
                type="checkbox"
                aria-label={`Select volume ${v.name || v.id}`}
                checked={selected.includes(v.id)}
                onChange={(e) => setSelected(e.currentTarget.checked ? [...selected, v.id] : selected.filter((x) => x !== v.id))}
              />
            ),
          },
          { label: 'Name', render: (v) => v.name || v.id },
          { label: 'Size', render: (v) => formatGiB(v.size) },
          { label: 'Status', render: (v) => <Status value={v.status} /> },
          { label: 'Protected by', render: protection },
        ]}
      />
      <div class="toolbar spaced">
        <button type="button" class="primary" disabled={selected.length === 0 || change.busy} onClick={() => void change.run(true)}>
          Bind selected
        </button>
        <button type="button" disabled={selected.length === 0 || change.busy} onClick={() => void change.run(false)}>
          Unbind selected
        </button>
      </div>
      <ErrorAlert error={change.error} />
      {result ? <Notice>{result.done}</Notice> : null}
      {result && result.failures.length > 0 ? (
        <div class="alert alert-error" role="alert">
          <ul>
            {result.failures.map((f) => (
              <li key={f.resource_id}>
                {f.resource_id}: {f.message} ({f.code})
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
