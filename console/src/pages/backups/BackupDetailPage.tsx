import { BACKUP_BUSY, deleteBackup, getBackup, serviceMetadata, type Backup } from '../../api/backups.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { Details } from '../../components/Details.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { formatGiB, formatTime } from '../../components/format.js';
import { Link } from '../../components/Link.js';
import { TaskList, useTasks } from '../../components/Progress.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';
import { backupDeleteProbe } from './probes.js';
import { RestoreForm } from './RestoreForm.js';

/** What service_metadata's keys mean (the VBS reference's table); others are shown by their key. */
const METADATA_LABELS: Record<string, string> = {
  progress: 'Progress (%)',
  Type: 'Type (0 full, 1 incremental)',
  bootable: 'Bootable',
  backupurl: 'Backup URL',
  AT: 'Average throughput (MB/s)',
  SS: 'Source size (MB)',
  CS: 'Changed size (MB)',
  DL: 'Deduplicated size (MB)',
};

export function BackupDetailPage({ params }: PageProps) {
  const api = useApi();
  const backup = useLoad(() => getBackup(api, params.id), [params.id], { poll: (b) => BACKUP_BUSY.has(b.status) });
  const tasks = useTasks();
  const remove = useAction(async (b: Backup) => {
    await deleteBackup(api, b.id);
    return b;
  });
  const b = backup.data;
  return (
    <>
      <p>
        <Link to="/backups">← All backups</Link>
      </p>
      <ErrorAlert error={backup.error} />
      <TaskList tasks={tasks.tasks} onDismiss={tasks.dismiss} onDone={backup.reload} />
      {b ? (
        <>
          <h2>{b.name || b.id}</h2>
          <BackupFields backup={b} />
          <h2>Restore</h2>
          <RestoreForm backup={b} onStarted={(label, probe) => tasks.start(label, probe)} />
          <h2>Delete</h2>
          <ErrorAlert error={remove.error} />
          <ConfirmButton
            label="Delete backup"
            question={`Delete backup ${b.name || b.id}? Its data is gone for good.`}
            disabled={BACKUP_BUSY.has(b.status)}
            onConfirm={async () => {
              if (!(await remove.run(b))) return;
              tasks.start(`Deleting ${b.name || b.id}`, backupDeleteProbe(api, b.id));
            }}
          />
        </>
      ) : null}
    </>
  );
}

function BackupFields({ backup: b }: { backup: Backup }) {
  const meta = serviceMetadata(b);
  return (
    <>
      <Details
        label="Backup"
        items={[
          ['ID', <code>{b.id}</code>],
          ['Name', b.name ?? '—'],
          ['Status', <Status value={b.status} />],
          ['Description', b.description ?? '—'],
          ['Volume', <Link to={`/volumes/${b.volume_id}`}>{b.volume_id}</Link>],
          ['Snapshot', b.snapshot_id ?? '—'],
          ['Size', formatGiB(b.size)],
          ['Kind', b.is_incremental ? 'incremental' : 'full'],
          ['Objects', b.object_count ?? '—'],
          ['Container', b.container ?? '—'],
          ['Availability zone', b.availability_zone ?? '—'],
          ['Created', formatTime(b.created_at)],
          ['Updated', formatTime(b.updated_at)],
          ['Data as of', formatTime(b.data_timestamp)],
          ['Has dependent backups', b.has_dependent_backups ? 'yes' : 'no'],
          ['Failure', b.fail_reason ?? '—'],
        ]}
      />
      <h3>Service figures</h3>
      <Details label="Service metadata" items={Object.entries(meta).map(([k, v]) => [METADATA_LABELS[k] ?? k, v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)])} />
    </>
  );
}
