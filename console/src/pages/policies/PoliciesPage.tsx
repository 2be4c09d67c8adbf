import '../areas.css';
import { useState } from 'preact/hooks';
import { deletePolicy, listPolicies, runPolicyNow, type Policy } from '../../api/policies.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert, Notice } from '../../components/ErrorAlert.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { Link } from '../../components/Link.js';
import { OnOff } from './OnOff.js';
import { navigate } from '../../router.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';
import { retentionSummary, scheduleSummary } from './format.js';
import { PolicyEditor } from './PolicyEditor.js';

export function PoliciesPage(_props: PageProps) {
  const api = useApi();
  const policies = useLoad(() => listPolicies(api), []);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const run = useAction(async (p: Policy) => {
    await runPolicyNow(api, p.backup_policy_id);
    setNotice(`Policy ${p.backup_policy_name} is running: its tasks show on its page.`);
  });
  const remove = useAction((id: string) => deletePolicy(api, id));
  return (
    <>
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          Create policy
        </button>
        <button type="button" onClick={policies.reload}>
          Refresh
        </button>
      </div>
      {creating ? <PolicyEditor onCancel={() => setCreating(false)} onSaved={(id) => navigate(`/policies/${id}`)} /> : null}
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorAlert error={policies.error} />
      <ErrorAlert error={run.error} />
      <ErrorAlert error={remove.error} />
      <DataTable<Policy>
        caption="Backup policies"
        rows={policies.data ?? []}
        rowKey={(p) => p.backup_policy_id}
        empty={policies.loading ? 'Loading…' : 'No backup policies yet.'}
        columns={[
          { label: 'Name', render: (p) => <Link to={`/policies/${p.backup_policy_id}`}>{p.backup_policy_name}</Link> },
          { label: 'Status', render: (p) => <OnOff value={p.scheduled_policy.status} /> },
          { label: 'Schedule', render: (p) => scheduleSummary(p) },
          { label: 'Time zone', render: (p) => p.time_zone },
          { label: 'Retention', render: (p) => retentionSummary(p) },
          { label: 'Volumes', render: (p) => String(p.policy_resource_count) },
          {
            label: 'Actions',
            render: (p) => (
              <span class="row-actions">
                <button type="button" onClick={() => void run.run(p)} disabled={run.busy} aria-label={`Run ${p.backup_policy_name} now`}>
                  Run now
                </button>
                <ConfirmButton
                  label="Delete"
                  question={`Delete policy ${p.backup_policy_name}?`}
                  onConfirm={async () => {
                    await remove.run(p.backup_policy_id);
                    policies.reload();
                  }}
                />
              </span>
            ),
          },
        ]}
      />
    </>
  );
}
