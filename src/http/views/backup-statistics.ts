import type { ProjectBackupStatistics } from '../../services/backups/backup-statistics.js';

export function backupStatisticsView(s: ProjectBackupStatistics): Record<string, unknown> {
  const { logicalBytes, storedBytes } = s.backups;
  return {
    statistics: {
      project_id: s.projectId,
      generated_at: s.generatedAt.toISOString(),
      backups: {
        total: s.backups.total,
        by_status: s.backups.byStatus,
        logical_bytes: logicalBytes,
        stored_bytes: storedBytes,
        saving_percent: logicalBytes > 0 ? Math.round(1000 * (1 - storedBytes / logicalBytes)) / 10 : null,
        without_figures: s.backups.withoutFigures,
      },
      volumes: s.volumes.map((v) => ({
        id: v.volumeId,
        name: v.name,
        size: v.size,
        status: v.status,
        protected: v.policyId !== null,
        policy_id: v.policyId,
        backups: v.backups,
        last_backup_at: v.lastGoodBackupAt?.toISOString() ?? null,
        last_backup_age_seconds: v.lastGoodBackupAgeSeconds,
      })),
      quota: {
        backups: s.quota.backups,
        backup_gigabytes: s.quota.backupGigabytes,
      },
    },
  };
}
