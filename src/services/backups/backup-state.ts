/** The backup state machine of the Cinder-compatible API. */
export const BACKUP_STATUSES = ['creating', 'available', 'deleting', 'error', 'restoring', 'error_restoring', 'error_deleting'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

const NEXT: Record<BackupStatus, readonly BackupStatus[]> = {
  creating: ['available', 'error'],
  available: ['restoring', 'deleting'],
  restoring: ['available', 'error_restoring'],
  // A failed restore leaves the backup itself intact: it may be restored again or deleted.
  error_restoring: ['restoring', 'deleting', 'available'],
  deleting: ['error_deleting'],
  error: ['deleting'],
  error_deleting: ['deleting'],
};

export function canMoveBackup(from: BackupStatus, to: BackupStatus): boolean {
  return NEXT[from].includes(to);
}

export function isBackupStatus(value: unknown): value is BackupStatus {
  return typeof value === 'string' && (BACKUP_STATUSES as readonly string[]).includes(value);
}
