import { useState } from 'preact/hooks';
import { listShares, restoreInto, volumeFromBackup, type Share } from '../../api/sharing.js';
import { listVolumes } from '../../api/volumes.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert, Notice } from '../../components/ErrorAlert.js';
import { Form, NumberField, SelectField, TextField } from '../../components/Form.js';
import { formatGiB, formatTime } from '../../components/format.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { Link } from '../../components/Link.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';

type Use = { share: Share; how: 'restore' | 'create' };

/** Backups other projects shared with this one: restore one into an own volume, or make a volume of it. */
export function SharedWithMe() {
  const api = useApi();
  const shares = useLoad(() => listShares(api, true), []);
  const [use, setUse] = useState<Use | undefined>(undefined);
  const [done, setDone] = useState<{ text: string; volumeId: string } | undefined>(undefined);
  return (
    <>
      <h2>Shared with this project</h2>
      <ErrorAlert error={shares.error} />
      {done ? (
        <Notice>
          {done.text} <Link to={`/volumes/${done.volumeId}`}>See the volume</Link>
        </Notice>
      ) : null}
      {use ? (
        <UseSharedBackup
          use={use}
          onCancel={() => setUse(undefined)}
          onDone={(text, volumeId) => {
            setUse(undefined);
            setDone({ text, volumeId });
          }}
        />
      ) : null}
      <DataTable<Share>
        caption="Backups shared with this project"
        rows={shares.data ?? []}
        rowKey={(s) => s.id}
        empty={shares.loading ? 'Loading…' : 'No backup is shared with this project.'}
        columns={[
          { label: 'Backup', render: (s) => s.backup.name || s.backup_id },
          { label: 'Size', render: (s) => formatGiB(s.backup.size) },
          { label: 'Status', render: (s) => <Status value={s.backup.status} /> },
          { label: 'From project', render: (s) => <code>{s.from_project_id}</code> },
          { label: 'Since', render: (s) => formatTime(s.created_at) },
          {
            label: 'Actions',
            render: (s) => (
              <span class="row-actions">
                <button type="button" onClick={() => setUse({ share: s, how: 'restore' })} aria-label={`Restore ${s.backup.name || s.backup_id} into a volume`}>
                  Restore into a volume
                </button>
                <button type="button" onClick={() => setUse({ share: s, how: 'create' })} aria-label={`New volume from ${s.backup.name || s.backup_id}`}>
                  New volume
                </button>
              </span>
            ),
          },
        ]}
      />
    </>
  );
}

function UseSharedBackup({ use, onCancel, onDone }: { use: Use; onCancel: () => void; onDone: (text: string, volumeId: string) => void }) {
  const api = useApi();
  const b = use.share.backup;
  const volumes = useLoad(() => listVolumes(api), []);
  const [volumeId, setVolumeId] = useState('');
  const [name, setName] = useState(`from-${b.name || 'shared'}`);
  const [size, setSize] = useState(b.size);
  const act = useAction(async () => {
    if (use.how === 'restore') {
      await restoreInto(api, b.id, volumeId);
      return { text: `Restoring ${b.name || b.id} into the volume.`, volumeId };
    }
    const id = await volumeFromBackup(api, b.id, name, size);
    return { text: `Volume ${name} is being made from ${b.name || b.id}.`, volumeId: id };
  });
  const fits = (volumes.data ?? []).filter((v) => v.status === 'available' && v.size >= b.size);
  return (
    <Form
      label={use.how === 'restore' ? `Restore ${b.name || b.id}` : `New volume from ${b.name || b.id}`}
      submit={use.how === 'restore' ? 'Restore' : 'Create volume'}
      busy={act.busy}
      error={act.error ?? volumes.error}
      onCancel={onCancel}
      onSubmit={async () => {
        const r = await act.run();
        if (r) onDone(r.text, r.volumeId);
      }}
    >
      {use.how === 'restore' ? (
        <SelectField
          label="Target volume"
          value={volumeId}
          onValue={setVolumeId}
          required
          options={[{ value: '', label: fits.length ? 'Choose an available volume' : `No available volume of ${formatGiB(b.size)} or more` }, ...fits.map((v) => ({ value: v.id, label: `${v.name || v.id} (${formatGiB(v.size)})` }))]}
        />
      ) : (
        <>
          <TextField label="Volume name" value={name} onValue={setName} required />
          <NumberField label="Size (GiB)" value={size} onValue={setSize} min={b.size} required />
        </>
      )}
    </Form>
  );
}
