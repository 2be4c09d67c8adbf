import { useState } from 'preact/hooks';
import { BACKUP_BUSY, BACKUP_STATUSES, deleteBackup, listBackups, type Backup, type BackupListing, type BackupSortKey } from '../../api/backups.js';
import { listVolumes } from '../../api/volumes.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { DataTable, Pager } from '../../components/DataTable.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { SelectField, TextField } from '../../components/Form.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { formatGiB, formatTime, shortId } from '../../components/format.js';
import { Link } from '../../components/Link.js';
import { ListToolbar } from '../../components/Toolbar.js';
import { TaskList, useTasks } from '../../components/Progress.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';
import { CreateBackupForm } from './CreateBackupForm.js';
import { backupCreateProbe, backupDeleteProbe } from './probes.js';

const PAGE_SIZE = 10;

/** The page size: ?limit= on the URL (1-100), else PAGE_SIZE. */
function pageSize(query: URLSearchParams): number {
  const n = Number(query.get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : PAGE_SIZE;
}

export function BackupsPage({ query }: PageProps) {
  const api = useApi();
  const [listing, setListing] = useState<BackupListing>({
    filters: { volume_id: query.get('volume_id') ?? '' },
    sort: { key: 'created_at', dir: 'desc' },
    limit: pageSize(query),
    offset: 0,
  });
  // The page comes with the listing it is of: the pager tells what is shown, not what was asked.
  const backups = useLoad(async () => ({ ...(await listBackups(api, listing)), at: listing }), [JSON.stringify(listing)], {
    poll: (p) => p.items.some((b) => BACKUP_BUSY.has(b.status)),
  });
  const volumes = useLoad(() => listVolumes(api), []);
  const volumeName = (id: string) => volumes.data?.find((v) => v.id === id)?.name || shortId(id);
  const [creating, setCreating] = useState(false);
  const tasks = useTasks();
  // Resolves to the backup once the delete is accepted (undefined: refused, the error is shown).
  const remove = useAction(async (b: Backup) => {
    await deleteBackup(api, b.id);
    return b;
  });
  const filter = (f: Partial<BackupListing['filters']>) => setListing((l) => ({ ...l, filters: { ...l.filters, ...f }, offset: 0 }));

  return (
    <>
      <ListToolbar createLabel="Create backup" open={creating} onToggle={() => setCreating(!creating)} onRefresh={backups.reload} />
      {creating ? (
        <CreateBackupForm
          volumes={volumes.data ?? []}
          onCancel={() => setCreating(false)}
          onCreated={(id, name) => {
            setCreating(false);
            tasks.start(`Backup ${name}`, backupCreateProbe(api, id));
            backups.reload();
          }}
        />
      ) : null}
      <TaskList tasks={tasks.tasks} onDismiss={tasks.dismiss} onDone={backups.reload} />
      <form class="toolbar filters" role="search" aria-label="Filter backups" onSubmit={(e) => e.preventDefault()}>
        <TextField label="Name contains" value={listing.filters.name ?? ''} onValue={(name) => filter({ name })} />
        <SelectField label="Status" value={listing.filters.status ?? ''} onValue={(status) => filter({ status })} options={[{ value: '', label: 'Any' }, ...BACKUP_STATUSES.map((s) => ({ value: s, label: s }))]} />
        <SelectField
          label="Volume"
          value={listing.filters.volume_id ?? ''}
          onValue={(volume_id) => filter({ volume_id })}
          options={[{ value: '', label: 'Any' }, ...(volumes.data ?? []).map((v) => ({ value: v.id, label: v.name || v.id }))]}
        />
      </form>
      <ErrorAlert error={backups.error} />
      <ErrorAlert error={remove.error} />
      <DataTable<Backup>
        caption="Backups"
        rows={backups.data?.items ?? []}
        rowKey={(b) => b.id}
        empty={backups.loading && !backups.data ? 'Loading…' : 'No backups match.'}
        sort={listing.sort}
        onSort={(sort) => setListing((l) => ({ ...l, sort: { key: sort.key as BackupSortKey, dir: sort.dir }, offset: 0 }))}
        columns={[
          { label: 'Name', sortKey: 'name', render: (b) => <Link to={`/backups/${b.id}`}>{b.name || b.id}</Link> },
          { label: 'Status', sortKey: 'status', render: (b) => <Status value={b.status} /> },
          { label: 'Size', sortKey: 'size', render: (b) => formatGiB(b.size) },
          { label: 'Volume', render: (b) => <Link to={`/volumes/${b.volume_id}`}>{volumeName(b.volume_id)}</Link> },
          { label: 'Kind', render: (b) => (b.is_incremental ? 'incremental' : 'full') },
          { label: 'Created', sortKey: 'created_at', render: (b) => formatTime(b.created_at) },
          {
            label: 'Actions',
            render: (b) => (
              <span class="row-actions">
                <Link to={`/backups/${b.id}`}>Restore…</Link>
                <ConfirmButton
                  label="Delete"
                  question={`Delete backup ${b.name || b.id}?`}
                  disabled={BACKUP_BUSY.has(b.status)}
                  onConfirm={async () => {
                    if (!(await remove.run(b))) return;
                    tasks.start(`Deleting ${b.name || b.id}`, backupDeleteProbe(api, b.id));
                    backups.reload();
                  }}
                />
              </span>
            ),
          },
        ]}
      />
      <Pager
        offset={backups.data?.at.offset ?? listing.offset}
        limit={listing.limit}
        shown={backups.data?.items.length ?? 0}
        count={backups.data?.count}
        onOffset={(offset) => setListing((l) => ({ ...l, offset }))}
      />
    </>
  );
}
