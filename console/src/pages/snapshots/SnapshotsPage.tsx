import { useState } from 'preact/hooks';
import { createSnapshot, deleteSnapshot, listSnapshots, SNAPSHOT_BUSY, type Snapshot } from '../../api/snapshots.js';
import { listVolumes, type Volume } from '../../api/volumes.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Checkbox, Form, SelectField, TextArea, TextField } from '../../components/Form.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { formatGiB, formatTime, shortId } from '../../components/format.js';
import { Link } from '../../components/Link.js';
import { ListToolbar } from '../../components/Toolbar.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';

export function SnapshotsPage(_props: PageProps) {
  const api = useApi();
  const snapshots = useLoad(() => listSnapshots(api), [], { poll: (ss) => ss.some((s) => SNAPSHOT_BUSY.has(s.status)) });
  const volumes = useLoad(() => listVolumes(api), []);
  const [creating, setCreating] = useState(false);
  const remove = useAction((id: string) => deleteSnapshot(api, id));
  const volumeName = (id: string) => volumes.data?.find((v) => v.id === id)?.name || shortId(id);
  return (
    <>
      <ListToolbar createLabel="Create snapshot" open={creating} onToggle={() => setCreating(!creating)} onRefresh={snapshots.reload} />
      {creating ? (
        <CreateSnapshotForm
          volumes={volumes.data ?? []}
          onCancel={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            snapshots.reload();
          }}
        />
      ) : null}
      <ErrorAlert error={snapshots.error} />
      <ErrorAlert error={remove.error} />
      <DataTable<Snapshot>
        caption="Snapshots"
        rows={snapshots.data ?? []}
        rowKey={(s) => s.id}
        empty={snapshots.loading && !snapshots.data ? 'Loading…' : 'No snapshots yet.'}
        columns={[
          { label: 'Name', render: (s) => s.name || s.id },
          { label: 'Volume', render: (s) => <Link to={`/volumes/${s.volume_id}`}>{volumeName(s.volume_id)}</Link> },
          { label: 'Size', render: (s) => formatGiB(s.size) },
          { label: 'Status', render: (s) => <Status value={s.status} /> },
          { label: 'Created', render: (s) => formatTime(s.created_at) },
          {
            label: 'Actions',
            render: (s) => (
              <ConfirmButton
                label="Delete"
                question={`Delete snapshot ${s.name || s.id}?`}
                disabled={SNAPSHOT_BUSY.has(s.status)}
                onConfirm={async () => {
                  await remove.run(s.id);
                  snapshots.reload();
                }}
              />
            ),
          },
        ]}
      />
    </>
  );
}

function CreateSnapshotForm({ volumes, onCreated, onCancel }: { volumes: Volume[]; onCreated: () => void; onCancel: () => void }) {
  const api = useApi();
  const [volumeId, setVolumeId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [force, setForce] = useState(false);
  const volume = volumeId || volumes[0]?.id || '';
  const create = useAction(() => createSnapshot(api, { volume_id: volume, name, force, ...(description ? { description } : {}) }));
  return (
    <Form
      label="Create snapshot"
      submit="Create snapshot"
      busy={create.busy}
      error={create.error}
      onCancel={onCancel}
      onSubmit={async () => {
        if (await create.run()) onCreated();
      }}
    >
      <SelectField label="Volume" value={volume} onValue={setVolumeId} required options={volumes.map((v) => ({ value: v.id, label: `${v.name || v.id} (${v.status})` }))} />
      <TextField label="Snapshot name" value={name} onValue={setName} required />
      <TextArea label="Description" value={description} onValue={setDescription} />
      <Checkbox label="Force: snapshot the volume even while it is attached (in-use)" checked={force} onValue={setForce} />
    </Form>
  );
}
