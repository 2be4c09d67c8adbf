import { useState } from 'preact/hooks';
import { restoreIntoNewVolume, restoreIntoVolume, type Backup } from '../../api/backups.js';
import { listVolumes } from '../../api/volumes.js';
import { Form, SelectField, TextField } from '../../components/Form.js';
import { useAction, useLoad } from '../../components/hooks.js';
import type { Probe } from '../../components/Progress.js';
import { useApi } from '../../session-context.js';
import { jobProbe, newVolumeRestoreProbe } from './probes.js';

const NEW_VOLUME = '';

/** Restores into an existing volume (VBS's restore, a job) or into a new one (Cinder's restore). */
export function RestoreForm({ backup, onStarted }: { backup: Backup; onStarted: (label: string, probe: Probe) => void }) {
  const api = useApi();
  const volumes = useLoad(() => listVolumes(api), []);
  const [target, setTarget] = useState(NEW_VOLUME);
  const [name, setName] = useState('');
  const label = backup.name || backup.id;
  const restore = useAction(async (): Promise<[string, Probe]> => {
    if (target === NEW_VOLUME) {
      const r = await restoreIntoNewVolume(api, backup.id, name);
      return [`Restoring ${label} into a new volume`, newVolumeRestoreProbe(api, backup.id, r.volume_id)];
    }
    const { job_id } = await restoreIntoVolume(api, backup.id, target);
    const into = volumes.data?.find((v) => v.id === target);
    return [`Restoring ${label} into ${into?.name || target}`, jobProbe(api, job_id)];
  });
  return (
    <Form
      label="Restore backup"
      submit="Restore"
      busy={restore.busy}
      error={restore.error ?? volumes.error}
      onSubmit={async () => {
        const started = await restore.run();
        if (started) onStarted(...started);
      }}
    >
      <SelectField
        label="Restore into"
        value={target}
        onValue={setTarget}
        options={[
          { value: NEW_VOLUME, label: 'A new volume' },
          ...(volumes.data ?? []).map((v) => ({ value: v.id, label: `${v.name || v.id} (${v.size} GiB, ${v.status}): overwrite` })),
        ]}
      />
      {target === NEW_VOLUME ? <TextField label="New volume name" value={name} onValue={setName} /> : null}
    </Form>
  );
}
