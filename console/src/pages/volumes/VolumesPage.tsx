import { useState } from 'preact/hooks';
import { createVolume, deleteVolume, listVolumes, listVolumeTypes, VOLUME_BUSY, type Volume } from '../../api/volumes.js';
import { DataTable } from '../../components/DataTable.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Form, NumberField, SelectField, TextArea, TextField } from '../../components/Form.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { formatGiB, formatTime } from '../../components/format.js';
import { Link } from '../../components/Link.js';
import { ListToolbar } from '../../components/Toolbar.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';

export function VolumesPage(_props: PageProps) {
  const api = useApi();
  const volumes = useLoad(() => listVolumes(api), [], { poll: (vs) => vs.some((v) => VOLUME_BUSY.has(v.status)) });
  const [creating, setCreating] = useState(false);
  const remove = useAction((id: string) => deleteVolume(api, id));
  return (
    <>
      <ListToolbar createLabel="Create volume" open={creating} onToggle={() => setCreating(!creating)} onRefresh={volumes.reload} />
      {creating ? (
        <CreateVolumeForm
          onCancel={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            volumes.reload();
          }}
        />
      ) : null}
      <ErrorAlert error={volumes.error} />
      <ErrorAlert error={remove.error} />
      <DataTable<Volume>
        caption="Volumes"
        rows={volumes.data ?? []}
        rowKey={(v) => v.id}
        empty={volumes.loading ? 'Loading…' : 'No volumes yet.'}
        columns={[
          { label: 'Name', render: (v) => <Link to={`/volumes/${v.id}`}>{v.name || v.id}</Link> },
          { label: 'Size', render: (v) => formatGiB(v.size) },
          { label: 'Type', render: (v) => v.volume_type ?? '—' },
          { label: 'Status', render: (v) => <Status value={v.status} /> },
          { label: 'Created', render: (v) => formatTime(v.created_at) },
          {
            label: 'Actions',
            render: (v) => (
              <ConfirmButton
                label="Delete"
                question={`Delete volume ${v.name || v.id}?`}
                disabled={VOLUME_BUSY.has(v.status)}
                onConfirm={async () => {
                  await remove.run(v.id);
                  volumes.reload();
                }}
              />
            ),
          },
        ]}
      />
    </>
  );
}

function CreateVolumeForm({ onCreated, onCancel }: { onCreated: (v: Volume) => void; onCancel: () => void }) {
  const api = useApi();
  const types = useLoad(() => listVolumeTypes(api), []);
  const [name, setName] = useState('');
  const [size, setSize] = useState(1);
  const [type, setType] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction(() => createVolume(api, { name, size, ...(type ? { volume_type: type } : {}), ...(description ? { description } : {}) }));
  return (
    <Form
      label="Create volume"
      submit="Create"
      busy={create.busy}
      error={create.error ?? types.error}
      onCancel={onCancel}
      onSubmit={async () => {
        const v = await create.run();
        if (v) onCreated(v);
      }}
    >
      <TextField label="Name" value={name} onValue={setName} required />
      <NumberField label="Size (GiB)" value={size} onValue={setSize} min={1} required />
      <SelectField label="Type" value={type} onValue={setType} options={[{ value: '', label: 'Default' }, ...(types.data ?? []).map((t) => ({ value: t.name, label: t.name }))]} />
      <TextArea label="Description" value={description} onValue={setDescription} />
    </Form>
  );
}
