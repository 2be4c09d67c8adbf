import { useState } from 'preact/hooks';
import { createBackup } from '../../api/backups.js';
import type { Volume } from '../../api/volumes.js';
import { Checkbox, Form, SelectField, TextArea, TextField } from '../../components/Form.js';
import { useAction } from '../../components/hooks.js';
import { useApi } from '../../session-context.js';

/** Volumes a backup can be made of. */
const BACKUPABLE = new Set(['available', 'in-use']);

export function CreateBackupForm({ volumes, onCreated, onCancel }: { volumes: Volume[]; onCreated: (id: string, name: string) => void; onCancel: () => void }) {
  const api = useApi();
  const choices = volumes.filter((v) => BACKUPABLE.has(v.status));
  const [volumeId, setVolumeId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'full' | 'incremental'>('incremental');
  const [force, setForce] = useState(false);
  const volume = volumeId || choices[0]?.id || '';
  const create = useAction(() => createBackup(api, { volume_id: volume, name, description, incremental: kind === 'incremental', force }));
  return (
    <Form
      label="Create backup"
      submit="Create backup"
      busy={create.busy}
      error={create.error}
      onCancel={onCancel}
      onSubmit={async () => {
        const b = await create.run();
        if (b) onCreated(b.id, name || b.id);
      }}
    >
      <SelectField label="Volume" value={volume} onValue={setVolumeId} required options={choices.map((v) => ({ value: v.id, label: `${v.name || v.id} (${v.size} GiB, ${v.status})` }))} />
      <TextField label="Backup name" value={name} onValue={setName} required />
      <TextArea label="Description" value={description} onValue={setDescription} />
      <SelectField
        label="Kind"
        value={kind}
        onValue={(k) => setKind(k === 'full' ? 'full' : 'incremental')}
        options={[
          { value: 'incremental', label: 'Incremental (only what changed since the last backup)' },
          { value: 'full', label: 'Full' },
        ]}
      />
      <Checkbox label="Force: back up the volume even while it is attached (in-use)" checked={force} onValue={setForce} />
    </Form>
  );
}
