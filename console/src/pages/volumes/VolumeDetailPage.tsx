import { getVolume, VOLUME_BUSY } from '../../api/volumes.js';
import { Details } from '../../components/Details.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { useLoad } from '../../components/hooks.js';
import { formatGiB, formatTime } from '../../components/format.js';
import { Link } from '../../components/Link.js';
import { Status } from '../../components/Status.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';

export function VolumeDetailPage({ params }: PageProps) {
  const api = useApi();
  const volume = useLoad(() => getVolume(api, params.id), [params.id], { poll: (v) => VOLUME_BUSY.has(v.status) });
  const v = volume.data;
  return (
    <>
      <p>
        <Link to="/volumes">← All volumes</Link>
      </p>
      <ErrorAlert error={volume.error} />
      {v ? (
        <Details
          label="Volume"
          items={[
            ['Name', v.name ?? '—'],
            ['ID', <code>{v.id}</code>],
            ['Status', <Status value={v.status} />],
            ['Size', formatGiB(v.size)],
            ['Type', v.volume_type ?? '—'],
            ['Availability zone', v.availability_zone ?? '—'],
            ['Bootable', v.bootable],
            ['Description', v.description ?? '—'],
            ['Created', formatTime(v.created_at)],
            ['Updated', formatTime(v.updated_at)],
            ['From snapshot', v.snapshot_id ?? '—'],
            ['From backup', v.backup_id ? <Link to={`/backups/${v.backup_id}`}>{v.backup_id}</Link> : '—'],
          ]}
        />
      ) : null}
      {v ? (
        <p>
          <Link to={`/backups?volume_id=${v.id}`}>Backups of this volume</Link>
        </p>
      ) : null}
    </>
  );
}
