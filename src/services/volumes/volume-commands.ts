import type { VolumeMigrationStatus, VolumeStatus } from './volume-state.js';

/** A new volume: empty of `size` GiB, or from a snapshot, a source volume or a backup. */
export interface CreateVolume {
  name: string | null;
  description: string | null;
  /** GiB; the source's size when absent (required for an empty volume). */
  size: number | undefined;
  /** A type's name or id; the default type when absent. */
  volumeType: string | undefined;
  availabilityZone: string | null;
  metadata: Record<string, string>;
  /** Inherited from the source when absent. */
  bootable: boolean | undefined;
  multiattach: boolean;
  snapshotId: string | null;
  sourceVolid: string | null;
  backupId: string | null;
}

/** Fields a user may change on a volume or snapshot. */
export interface EditVolume {
  name?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
}

export interface AttachVolume {
  serverId: string | null;
  hostName: string | null;
  mode: 'rw' | 'ro';
  mountpoint: string | null;
}

/** The actions of POST /volumes/{id}/action, one at a time. */
export type VolumeAction =
  | { kind: 'extend'; newSize: number }
  | { kind: 'reserve' }
  | { kind: 'unreserve' }
  | { kind: 'begin-detaching' }
  | { kind: 'roll-detaching' }
  | { kind: 'attach'; attach: AttachVolume }
  | { kind: 'detach'; attachmentId: string | null }
  | { kind: 'set-bootable'; bootable: boolean }
  | { kind: 'set-readonly'; readonly: boolean }
  | { kind: 'force-delete' }
  | { kind: 'reset-status'; reset: ResetVolume }
  /** os-retype: to another type of the same back end, so no data moves whatever the migration policy. */
  | { kind: 'retype'; newType: string };

/** An administrator's os-reset_status: at least one of the three. */
export interface ResetVolume {
  status?: VolumeStatus;
  attachStatus?: 'attached' | 'detached';
  /** null clears it (Cinder's "none"). */
  migrationStatus?: VolumeMigrationStatus | null;
}

/** A create command of the given fields, the rest at their defaults (an empty volume of the default type). */
export function createVolumeCommand(fields: Partial<CreateVolume>): CreateVolume {
  return {
    name: null,
    description: null,
    size: undefined,
    volumeType: undefined,
    availabilityZone: null,
    metadata: {},
    bootable: undefined,
    multiattach: false,
    snapshotId: null,
    sourceVolid: null,
    backupId: null,
    ...fields,
  };
}
