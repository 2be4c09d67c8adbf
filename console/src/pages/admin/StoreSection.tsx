import { useCallback, useState } from 'preact/hooks';
import { getStoreJob, listProjects, startStoreGc, startStoreVerify, type StoreJob } from '../../api/admin.js';
import { formatBytes } from '../../components/BarChart.js';
import { Details } from '../../components/Details.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Form, NumberField, SelectField, TextField } from '../../components/Form.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { ProgressPanel, type Probe } from '../../components/Progress.js';
import { useApi } from '../../session-context.js';

type Kind = 'verify' | 'gc';

/** Store verify and gc of a project: started as jobs, followed, their reports read from the job. */
export function StoreSection({ changes }: { changes: number }) {
  const api = useApi();
  const projects = useLoad(() => listProjects(api), [changes]);
  const [projectId, setProjectId] = useState('');
  const [backupId, setBackupId] = useState('');
  const [grace, setGrace] = useState(3600);
  const [started, setStarted] = useState<{ kind: Kind; projectId: string; jobId: string } | undefined>(undefined);
  const [job, setJob] = useState<StoreJob | undefined>(undefined);
  const start = useAction(async (kind: Kind) => {
    const jobId = kind === 'verify' ? await startStoreVerify(api, projectId, backupId.trim() || undefined) : await startStoreGc(api, projectId, grace);
    setJob(undefined);
    setStarted({ kind, projectId, jobId });
  });
  const probe = useCallback<Probe>(async () => {
    if (!started) throw new Error('no job');
    const j = await getStoreJob(api, started.projectId, started.jobId);
    setJob(j);
    return { state: j.status === 'SUCCESS' ? 'succeeded' : j.status === 'FAIL' ? 'failed' : 'running', percent: null, status: j.status, errorCode: j.error_code, failReason: j.fail_reason };
  }, [started]);
  return (
    <section aria-labelledby="admin-store">
      <h2 id="admin-store">Block store: verify and gc</h2>
      <ErrorAlert error={projects.error} />
      <Form label="Store maintenance" submit="Verify" busy={start.busy} error={start.error} onSubmit={() => void start.run('verify')}>
        <SelectField label="Store project" value={projectId} onValue={setProjectId} required options={[{ value: '', label: 'Choose a project' }, ...(projects.data ?? []).map((p) => ({ value: p.id, label: p.name }))]} />
        <TextField label="Only this backup (optional)" value={backupId} onValue={setBackupId} hint="A backup id; empty: every available backup of the project" />
        <NumberField label="Gc grace (seconds)" value={grace} onValue={setGrace} min={0} />
        <button type="button" disabled={start.busy || !projectId} onClick={() => void start.run('gc')}>
          Collect garbage
        </button>
      </Form>
      {started ? <ProgressPanel label={`Store ${started.kind} ${started.jobId}`} probe={started ? probe : null} /> : null}
      {job?.entities.verify ? (
        <Details
          label="Verify report"
          items={[
            ['Backups', `${job.entities.verify.backups_checked} checked of ${job.entities.verify.backups_total}, ${job.entities.verify.backups_intact} intact`],
            ['Bytes checked', formatBytes(job.entities.verify.bytes_checked)],
            ['Damaged', job.entities.verify.damaged.length === 0 ? 'none' : job.entities.verify.damaged.map((d) => `${d.backup_id}: ${d.reason}`).join('; ')],
          ]}
        />
      ) : null}
      {job?.entities.gc ? (
        <Details
          label="Gc report"
          items={[
            ['Swept', job.entities.gc.deferred ? `no: ${job.entities.gc.deferred}` : 'yes'],
            ['Packs deleted', `${job.entities.gc.packs_deleted} (+${job.entities.gc.orphan_packs_deleted} orphans)`],
            ['Packs rewritten', String(job.entities.gc.packs_rewritten)],
            ['Bytes freed', formatBytes(job.entities.gc.bytes_freed)],
            ['Live blocks', String(job.entities.gc.live_blocks)],
            ['Problems', job.entities.gc.problems.length === 0 ? 'none' : job.entities.gc.problems.join('; ')],
          ]}
        />
      ) : null}
    </section>
  );
}
