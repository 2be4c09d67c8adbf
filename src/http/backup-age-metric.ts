import { Gauge, type Registry } from 'prom-client';
import type { BackupStatistics } from '../services/backups/backup-statistics.js';

/**
 * vbs_volume_last_backup_age_seconds{project_id, volume_id}: how old each volume's newest good
 * backup is, read from the database at scrape time by the statistics' per-volume query. A
 * volume without a good backup has no series (alert on it with the statistics route).
 */
export function registerBackupAgeMetric(registry: Registry, statistics: BackupStatistics): void {
  new Gauge({
    name: 'vbs_volume_last_backup_age_seconds',
    help: "Seconds since the data of the volume's newest available backup was taken",
    labelNames: ['project_id', 'volume_id'] as const,
    registers: [registry],
    async collect() {
      // Volumes deleted since the last scrape lose their series.
      this.reset();
      for (const v of await statistics.volumes(null)) {
        if (v.lastGoodBackupAgeSeconds !== null) this.set({ project_id: v.projectId, volume_id: v.volumeId }, v.lastGoodBackupAgeSeconds);
      }
    },
  });
}
