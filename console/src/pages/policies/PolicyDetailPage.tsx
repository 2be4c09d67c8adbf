import '../areas.css';
import { useState } from 'preact/hooks';
import { deletePolicy, listPolicies, runPolicyNow } from '../../api/policies.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { Details } from '../../components/Details.js';
import { ErrorAlert, Notice } from '../../components/ErrorAlert.js';
import { formatTime } from '../../components/format.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { Link } from '../../components/Link.js';
import { ApiError } from '../../api/errors.js';
import { navigate } from '../../router.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';
import { retentionSummary, scheduleSummary } from './format.js';
import { OnOff } from './OnOff.js';
import { PolicyEditor } from './PolicyEditor.js';
import { PolicyTags } from './PolicyTags.js';
import { PolicyTasks } from './PolicyTasks.js';
import { PolicyVolumes } from './PolicyVolumes.js';

export function PolicyDetailPage({ params }: PageProps) {
  const api = useApi();
  const policy = useLoad(async () => {
    const p = (await listPolicies(api)).find((x) => x.backup_policy_id === params.id);
    if (!p) throw new ApiError(`No backup policy ${params.id} in this project.`, 404, 'notFound');
    return p;
  }, [params.id]);
  const [editing, setEditing] = useState(false);
  const [ranAt, setRanAt] = useState(0);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const run = useAction(async () => {
    await runPolicyNow(api, params.id);
    setNotice('The policy is running: its tasks appear below.');
    setRanAt(Date.now());
  });
  const remove = useAction(async () => {
    await deletePolicy(api, params.id);
    navigate('/policies');
  });
  const p = policy.data;
  return (
    <>
      <p>
        <Link to="/policies">← All policies</Link>
      </p>
      <ErrorAlert error={policy.error} />
      {p ? (
        <>
          <h2>{p.backup_policy_name}</h2>
          <div class="toolbar">
            <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
              Edit
            </button>
            <button type="button" class="primary" onClick={() => void run.run()} disabled={run.busy}>
              Run now
            </button>
            <ConfirmButton label="Delete" question={`Delete policy ${p.backup_policy_name}?`} onConfirm={() => void remove.run()} />
          </div>
          {notice ? <Notice>{notice}</Notice> : null}
          <ErrorAlert error={run.error} />
          <ErrorAlert error={remove.error} />
          {editing ? (
            <PolicyEditor
              policy={p}
              onCancel={() => setEditing(false)}
              onSaved={() => {
                setEditing(false);
                policy.reload();
              }}
            />
          ) : null}
          <Details
            label="Policy"
            items={[
              ['ID', <code>{p.backup_policy_id}</code>],
              ['Status', <OnOff value={p.scheduled_policy.status} />],
              ['Schedule', scheduleSummary(p)],
              ['Time zone', p.time_zone],
              ['Retention', retentionSummary(p)],
              ['Bound volumes', String(p.policy_resource_count)],
              ['Created', formatTime(p.created_at)],
            ]}
          />
          <PolicyVolumes policyId={p.backup_policy_id} onChanged={policy.reload} />
          <PolicyTags policyId={p.backup_policy_id} tags={p.tags} onChanged={policy.reload} />
          <PolicyTasks policyId={p.backup_policy_id} ranAt={ranAt} />
        </>
      ) : null}
    </>
  );
}
