import '../areas.css';
import { useState } from 'preact/hooks';
import { cancelAllShares, cancelShare, listAvailableBackups, listShares, shareBackup, type Share } from '../../api/sharing.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert, Notice } from '../../components/ErrorAlert.js';
import { Form, SelectField, TextField } from '../../components/Form.js';
import { formatGiB, formatTime, shortId } from '../../components/format.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';
import { SharedWithMe } from './SharedWithMe.js';

/** Project ids as a person pastes them: separated by commas, spaces or lines. */
export const projectIdsOf = (text: string) => [...new Set(text.split(/[\s,;]+/).filter(Boolean))];

export function SharingPage(_props: PageProps) {
  const api = useApi();
  const mine = useLoad(() => listShares(api, false), []);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const cancel = useAction(async (s: Share, all: boolean) => {
    await (all ? cancelAllShares(api, s.backup_id) : cancelShare(api, s.id));
    setNotice(all ? `Every share of backup ${s.backup.name ?? s.backup_id} is cancelled.` : `The share with project ${s.to_project_id} is cancelled.`);
    mine.reload();
  });
  return (
    <>
      <ShareForm
        onShared={(shares) => {
          setNotice(`Shared with ${shares.length} project(s).`);
          mine.reload();
        }}
      />
      {notice ? <Notice>{notice}</Notice> : null}
      <h2>Shared by this project</h2>
      <ErrorAlert error={mine.error} />
      <ErrorAlert error={cancel.error} />
      <DataTable<Share>
        caption="Backups this project shared"
        rows={mine.data ?? []}
        rowKey={(s) => s.id}
        empty={mine.loading ? 'Loading…' : 'This project shares no backup.'}
        columns={[
          { label: 'Backup', render: (s) => s.backup.name || s.backup_id },
          { label: 'Status', render: (s) => <Status value={s.backup.status} /> },
          { label: 'Shared with', render: (s) => <code>{s.to_project_id}</code> },
          { label: 'Since', render: (s) => formatTime(s.created_at) },
          {
            label: 'Actions',
            render: (s) => (
              <span class="row-actions">
                <ConfirmButton label="Cancel share" question={`Stop sharing ${s.backup.name || shortId(s.backup_id)} with ${shortId(s.to_project_id)}?`} onConfirm={() => void cancel.run(s, false)} />
                <ConfirmButton label="Cancel all shares" question={`Stop sharing ${s.backup.name || shortId(s.backup_id)} with every project?`} onConfirm={() => void cancel.run(s, true)} />
              </span>
            ),
          },
        ]}
      />
      <SharedWithMe />
    </>
  );
}

function ShareForm({ onShared }: { onShared: (s: Share[]) => void }) {
  const api = useApi();
  const backups = useLoad(() => listAvailableBackups(api), []);
  const [backupId, setBackupId] = useState('');
  const [projects, setProjects] = useState('');
  const share = useAction(() => shareBackup(api, backupId, projectIdsOf(projects)));
  const options = (backups.data ?? []).map((b) => ({ value: b.id, label: `${b.name || b.id} (${formatGiB(b.size)}, ${formatTime(b.created_at)})` }));
  return (
    <Form
      label="Share a backup"
      submit="Share"
      busy={share.busy}
      error={share.error ?? backups.error}
      onSubmit={async () => {
        const made = await share.run();
        if (made) {
          setProjects('');
          onShared(made);
        }
      }}
    >
      <SelectField label="Backup" value={backupId} onValue={setBackupId} required options={[{ value: '', label: backups.loading ? 'Loading…' : 'Choose an available backup' }, ...options]} />
      <TextField label="Project IDs" value={projects} onValue={setProjects} required hint="One or more project ids, separated by commas or spaces" />
    </Form>
  );
}
