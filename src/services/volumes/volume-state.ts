import { defineMachine } from '../../common/state-machine.js';

/**
 * The volume and snapshot state machines of the Cinder-compatible API. Every status change of
 * a volume or snapshot is checked here, so a new use case (backups, restores) adds its
 * transitions in this one place. An administrator's os-reset_status is no transition of these:
 * it may set any status (the service chooses which it accepts).
 */
export const VOLUME_STATUSES = [
  'creating', 'available', 'reserved', 'attaching', 'in-use', 'detaching', 'maintenance',
  'deleting', 'error', 'error_deleting', 'extending', 'error_extending',
  'backing-up', 'restoring-backup', 'error_restoring', 'awaiting-transfer',
  // Statuses of Cinder's that this service only ever sets by an administrator's reset.
  'managing', 'error_managing', 'error_backing-up', 'downloading', 'uploading', 'retyping',
] as const;
export type VolumeStatus = (typeof VOLUME_STATUSES)[number];

export const VOLUME_MACHINE = defineMachine<VolumeStatus>({
  name: 'volume',
  statuses: VOLUME_STATUSES,
  resettable: true,
  next: {
    creating: ['available', 'error', 'deleting'],
    available: ['reserved', 'attaching', 'in-use', 'deleting', 'extending', 'maintenance', 'backing-up', 'restoring-backup', 'awaiting-transfer'],
    reserved: ['available', 'attaching', 'in-use', 'deleting'],
    attaching: ['in-use', 'available', 'error', 'deleting'],
    // A volume with attachments keeps "in-use" while more attachments come and go; a
    // multiattach volume is reserved again (attaching) while attached.
    'in-use': ['in-use', 'attaching', 'detaching', 'available', 'backing-up'],
    detaching: ['available', 'in-use', 'error', 'deleting'],
    maintenance: ['available', 'error', 'deleting'],
    deleting: ['error_deleting'],
    error: ['deleting', 'available'],
    error_deleting: ['deleting', 'available'],
    extending: ['available', 'error_extending', 'deleting'],
    error_extending: ['available', 'deleting'],
    // A backup returns the volume to where it was: available, or in-use when it was attached.
    'backing-up': ['available', 'in-use', 'deleting'],
    'restoring-backup': ['available', 'error_restoring', 'deleting'],
    error_restoring: ['restoring-backup', 'available', 'deleting'],
    // A transfer ends by its deletion or its acceptance, both leaving the volume available.
    'awaiting-transfer': ['available', 'deleting'],
    // An administrator's forced delete takes a volume from any status it was reset to.
    managing: ['deleting'],
    error_managing: ['deleting'],
    'error_backing-up': ['deleting'],
    downloading: ['deleting'],
    uploading: ['deleting'],
    retyping: ['deleting'],
  },
});

/** Where each action may start from. */
export const VOLUME_ACTION_FROM = {
  delete: ['available', 'error', 'error_restoring', 'error_extending', 'error_deleting'],
  /**
   * An administrator's forced delete, as Cinder's: from every status but deleting, never while
   * attached (an administrator resets a volume stuck in creating or extending and deletes it).
   */
  forceDelete: [
    'creating', 'available', 'reserved', 'attaching', 'detaching', 'maintenance', 'error', 'error_deleting',
    'extending', 'error_extending', 'backing-up', 'restoring-backup', 'error_restoring', 'awaiting-transfer',
    'managing', 'error_managing', 'error_backing-up', 'downloading', 'uploading', 'retyping',
  ],
  extend: ['available'],
  /** os-reserve marks the volume attaching, as Cinder does; a multiattach volume also while in-use. */
  reserve: ['available'],
  reserveMultiattach: ['available', 'in-use'],
  unreserve: ['attaching'],
  attach: ['available', 'reserved', 'attaching', 'in-use'],
  transfer: ['available'],
  detach: ['in-use', 'detaching'],
  snapshot: ['available'],
  /** With force=true a snapshot of an attached volume is taken too. */
  snapshotForced: ['available', 'in-use'],
  clone: ['available', 'in-use'],
  import: ['available'],
  retype: ['available', 'in-use'],
} as const satisfies Record<string, readonly VolumeStatus[]>;

export function canMoveVolume(from: VolumeStatus, to: VolumeStatus): boolean {
  return VOLUME_MACHINE.canMove(from, to);
}

/**
 * Cinder's snapshot statuses. updating, unmanaging and deleted are never reached here but by an
 * administrator's os-reset_status, which Cinder allows to any of them; from there only a forced
 * delete (or another reset) moves the snapshot on.
 */
export const SNAPSHOT_STATUSES = ['creating', 'available', 'deleting', 'error', 'error_deleting', 'backing-up', 'restoring', 'updating', 'unmanaging', 'deleted'] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

export const SNAPSHOT_MACHINE = defineMachine<SnapshotStatus>({
  name: 'snapshot',
  statuses: SNAPSHOT_STATUSES,
  resettable: true,
  next: {
    // creating -> deleting: an administrator's forced delete of a snapshot stuck in creating.
    creating: ['available', 'error', 'deleting'],
    available: ['deleting', 'backing-up', 'restoring'],
    // An administrator's forced delete (os-force_delete) deletes a snapshot stuck in deleting again.
    deleting: ['error_deleting', 'deleting'],
    error: ['deleting', 'available'],
    error_deleting: ['deleting', 'available'],
    'backing-up': ['available'],
    restoring: ['available'],
    updating: ['deleting'],
    unmanaging: ['deleting'],
    deleted: ['deleting'],
  },
});

export const SNAPSHOT_DELETABLE: readonly SnapshotStatus[] = ['available', 'error', 'error_deleting'];
/**
 * An administrator's forced delete takes a snapshot from any status but those a running backup
 * or restore of this service holds it in (backing-up, restoring): reset such a snapshot to error
 * first when it is truly stuck. A snapshot force-deleted while its copy is still being made is
 * cleaned up by the create that made it.
 */
export const SNAPSHOT_FORCE_DELETABLE: readonly SnapshotStatus[] = SNAPSHOT_STATUSES.filter((s) => s !== 'backing-up' && s !== 'restoring');

/** os-update_snapshot_status: from which status a snapshot's manager may set which. */
export const SNAPSHOT_STATUS_UPDATES: Partial<Record<SnapshotStatus, readonly SnapshotStatus[]>> = {
  creating: ['creating', 'available', 'error'],
  deleting: ['deleting', 'error_deleting'],
};

export function canMoveSnapshot(from: SnapshotStatus, to: SnapshotStatus): boolean {
  return SNAPSHOT_MACHINE.canMove(from, to);
}

/**
 * What an administrator's os-reset_status may set a volume to: every status of Cinder's but
 * deleting (Cinder refuses that one; in-use needs an attachment, which the service checks).
 */
export const RESETTABLE_VOLUME_STATUSES: readonly VolumeStatus[] = VOLUME_STATUSES.filter((s) => s !== 'deleting');

/** Cinder's migration statuses; a volume shows null until an administrator sets one. */
export const VOLUME_MIGRATION_STATUSES = ['migrating', 'error', 'success', 'completing', 'starting'] as const;
export type VolumeMigrationStatus = (typeof VOLUME_MIGRATION_STATUSES)[number];
