import { defineMachine } from '../../common/state-machine.js';

/** The backup state machine of the Cinder-compatible API. */
export const BACKUP_STATUSES = ['creating', 'available', 'deleting', 'error', 'restoring', 'error_restoring', 'error_deleting'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

export const BACKUP_MACHINE = defineMachine<BackupStatus>({
  name: 'backup',
  statuses: BACKUP_STATUSES,
  // An administrator's os-reset_status (to available or error; see BackupService.resetStatus).
  resettable: true,
  next: {
    creating: ['available', 'error'],
    // available -> error: a reindex marks a backup whose manifest is gone from the store.
    available: ['restoring', 'deleting', 'error'],
    restoring: ['available', 'error_restoring'],
    // A failed restore leaves the backup itself intact: it may be restored again or deleted.
    error_restoring: ['restoring', 'deleting', 'available'],
    deleting: ['error_deleting'],
    error: ['deleting'],
    error_deleting: ['deleting'],
  },
});

export function canMoveBackup(from: BackupStatus, to: BackupStatus): boolean {
  return BACKUP_MACHINE.canMove(from, to);
}
