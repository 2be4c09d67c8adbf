import '../areas.css';
import { getStatistics, getVolumeQuota, type VolumeState } from '../../api/statistics.js';
import { BarChart, formatBytes, UsageBar } from '../../components/BarChart.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { formatTime } from '../../components/format.js';
import { useLoad } from '../../components/hooks.js';
import { Link } from '../../components/Link.js';
import { useApi } from '../../session-context.js';
import type { PageProps } from '../registry.js';

const DAY = 86_400;

/** "3 h", "2 d": an age in seconds, roughly. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < DAY) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / DAY)} d`;
}

function LastBackup({ v }: { v: VolumeState }) {
  if (v.last_backup_age_seconds === null) return <span class="stale">none</span>;
  const old = v.last_backup_age_seconds > DAY;
  return (
    <span class={old ? 'stale' : undefined} title={formatTime(v.last_backup_at)}>
      {formatAge(v.last_backup_age_seconds)} ago{old ? ' (older than a day)' : ''}
    </span>
  );
}

export function DashboardPage(_props: PageProps) {
  const api = useApi();
  const stats = useLoad(() => getStatistics(api), []);
  const volumeQuota = useLoad(() => getVolumeQuota(api), []);
  const s = stats.data;
  const protectedCount = s?.volumes.filter((v) => v.protected).length ?? 0;
  const unprotected = (s?.volumes.length ?? 0) - protectedCount;
  return (
    <>
      <div class="toolbar">
        <button type="button" onClick={stats.reload}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={stats.error} />
      {s ? (
        <>
          <div class="cards">
            <section class="card" aria-label="Protected volumes">
              <span class="card-figure" data-testid="protected-count">{protectedCount}</span>
              <span>protected volumes (bound to an ON policy)</span>
            </section>
            <section class={unprotected > 0 ? 'card card-warn' : 'card'} aria-label="Unprotected volumes">
              <span class="card-figure" data-testid="unprotected-count">{unprotected}</span>
              <span>
                unprotected volumes{unprotected > 0 ? <> · <Link to="/policies">bind them to a policy</Link></> : null}
              </span>
            </section>
            <section class="card" aria-label="Backups">
              <span class="card-figure" data-testid="backup-count">{s.backups.total}</span>
              <span>backups</span>
            </section>
            <section class="card" aria-label="Saving">
              <span class="card-figure" data-testid="saving">{s.backups.saving_percent === null ? '—' : `${s.backups.saving_percent}%`}</span>
              <span>saved by dedup and compression</span>
            </section>
          </div>
          <div class="dash-grid">
            <section aria-labelledby="dash-bytes">
              <h2 id="dash-bytes">Stored vs logical bytes</h2>
              <BarChart
                title="Stored vs logical bytes"
                bars={[
                  { label: 'Logical', value: s.backups.logical_bytes, text: formatBytes(s.backups.logical_bytes), tone: 'muted' },
                  { label: 'Stored', value: s.backups.stored_bytes, text: formatBytes(s.backups.stored_bytes), tone: 'accent' },
                ]}
              />
              <p class="muted">
                The backups hold {formatBytes(s.backups.logical_bytes)} of volume data in {formatBytes(s.backups.stored_bytes)} of store
                {s.backups.without_figures > 0 ? ` (${s.backups.without_figures} older backups have no figures yet)` : ''}.
              </p>
            </section>
            <section aria-labelledby="dash-quota">
              <h2 id="dash-quota">Quota</h2>
              <UsageBar label="Backups" used={s.quota.backups.used} limit={s.quota.backups.limit} />
              <UsageBar label="Backup gigabytes" used={s.quota.backup_gigabytes.used} limit={s.quota.backup_gigabytes.limit} unit=" GiB" />
              {volumeQuota.data ? <UsageBar label="Volumes" used={volumeQuota.data.used} limit={volumeQuota.data.limit} /> : null}
              <ErrorAlert error={volumeQuota.error} title="Volume quota" />
            </section>
          </div>
          <h2>Volumes and their last backup</h2>
          <DataTable<VolumeState>
            caption="Volumes and their last backup"
            rows={s.volumes}
            rowKey={(v) => v.id}
            empty="No volumes yet."
            columns={[
              { label: 'Volume', render: (v) => <Link to={`/volumes/${v.id}`}>{v.name || v.id}</Link> },
              { label: 'Protected', render: (v) => (v.protected ? <span class="status status-good">yes</span> : <span class="status status-busy">no</span>) },
              { label: 'Backups', render: (v) => String(v.backups) },
              { label: 'Last backup', render: (v) => <LastBackup v={v} /> },
            ]}
          />
        </>
      ) : stats.loading ? (
        <p>Loading…</p>
      ) : null}
    </>
  );
}
