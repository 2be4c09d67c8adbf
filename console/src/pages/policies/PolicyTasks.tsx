import { useState } from 'preact/hooks';
import { listTasks, TASK_STATUSES, type Task } from '../../api/policies.js';
import { DataTable, Pager } from '../../components/DataTable.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { SelectField } from '../../components/Form.js';
import { formatTime, shortId } from '../../components/format.js';
import { useLoad } from '../../components/hooks.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';

const LIMIT = 10;

/** How long after a "Run now" the list polls for the run's tasks, which the run's job writes a moment later. */
const AWAIT_RUN_MS = 20_000;

/**
 * The policy's backup tasks, newest first, by status and page; polled while one is under way.
 * `ranAt` is when the page last ran the policy (0: never).
 */
export function PolicyTasks({ policyId, ranAt }: { policyId: string; ranAt: number }) {
  const api = useApi();
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const tasks = useLoad(() => listTasks(api, policyId, { limit: LIMIT, offset, status: status || undefined }), [policyId, status, offset, ranAt], {
    poll: (r) => r.tasks.some((t) => t.status === 'RUNNING' || t.status === 'WAITING') || Date.now() - ranAt < AWAIT_RUN_MS,
    pollMs: 1500,
  });
  return (
    <section aria-labelledby="policy-tasks">
      <h2 id="policy-tasks">Tasks</h2>
      <div class="toolbar">
        <SelectField
          label="Task status"
          value={status}
          onValue={(s) => {
            setStatus(s);
            setOffset(0);
          }}
          options={[{ value: '', label: 'Any' }, ...TASK_STATUSES.map((s) => ({ value: s, label: s }))]}
        />
        <button type="button" onClick={tasks.reload}>
          Refresh tasks
        </button>
      </div>
      <ErrorAlert error={tasks.error} />
      <DataTable<Task>
        caption="Backup tasks of the policy"
        rows={tasks.data?.tasks ?? []}
        rowKey={(t) => `${t.job_id}-${t.resource_id}`}
        empty={tasks.loading ? 'Loading…' : 'No tasks yet.'}
        columns={[
          { label: 'Started', render: (t) => formatTime(t.created_at.endsWith('Z') ? t.created_at : `${t.created_at}Z`) },
          { label: 'Status', render: (t) => <Status value={t.status} /> },
          { label: 'Volume', render: (t) => <code title={t.resource_id}>{shortId(t.resource_id)}</code> },
          { label: 'Backup', render: (t) => t.backup_name ?? '—' },
          { label: 'Finished', render: (t) => (t.finished_at ? formatTime(`${t.finished_at}Z`) : '—') },
          { label: 'Message', render: (t) => (t.message ? `${t.message}${t.code ? ` (${t.code})` : ''}` : '—') },
        ]}
      />
      <Pager offset={offset} limit={LIMIT} shown={tasks.data?.tasks.length ?? 0} count={tasks.data?.count} onOffset={setOffset} />
    </section>
  );
}
