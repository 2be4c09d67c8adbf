import type { SnapshotTable, VolumeTable } from '../../db/schema.js';
import type { SnapshotStatus, VolumeMigrationStatus, VolumeStatus } from './volume-state.js';

/** One attachment of a volume, in Cinder's shape. */
export interface Attachment {
  id: string;
  attachment_id: string;
  volume_id: string;
  server_id: string | null;
  host_name: string | null;
  device: string | null;
  attached_at: string;
  attach_mode: 'rw' | 'ro';
}

export interface Volume {
  id: string;
  projectId: string;
  userId: string | null;
  name: string | null;
  description: string | null;
  /** GiB. */
  size: number;
  status: VolumeStatus;
  /** Type name: SATA, SAS or SSD. */
  volumeType: string;
  availabilityZone: string;
  bootable: boolean;
  encrypted: boolean;
  multiattach: boolean;
  metadata: Record<string, string>;
  snapshotId: string | null;
  sourceVolid: string | null;
  backupId: string | null;
  attachments: Attachment[];
  createdAt: Date;
  updatedAt: Date | null;
  /** Set only by an administrator's os-reset_status; absent or null otherwise. */
  migrationStatus?: VolumeMigrationStatus | null;
}

export interface Snapshot {
  id: string;
  projectId: string;
  userId: string | null;
  volumeId: string;
  volumeType: string | null;
  name: string | null;
  description: string | null;
  size: number;
  status: SnapshotStatus;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date | null;
}

export function toVolume(row: VolumeTable): Volume {
  return {
    id: row.id,
    projectId: row.project_id,
    userId: row.user_id,
    name: row.name,
    description: row.description,
    size: Number(row.size),
    status: row.status as VolumeStatus,
    volumeType: row.volume_type,
    availabilityZone: row.availability_zone,
    bootable: Number(row.bootable) === 1,
    encrypted: Number(row.encrypted) === 1,
    multiattach: Number(row.multiattach) === 1,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    snapshotId: row.snapshot_id,
    sourceVolid: row.source_volid,
    backupId: row.backup_id,
    attachments: JSON.parse(row.attachments) as Attachment[],
    createdAt: new Date(row.created_at),
    updatedAt: row.updated_at ? new Date(row.updated_at) : null,
    migrationStatus: (row.migration_status ?? null) as VolumeMigrationStatus | null,
  };
}

export function volumeRow(v: Volume): VolumeTable {
  return {
    id: v.id,
    project_id: v.projectId,
    user_id: v.userId,
    name: v.name,
    description: v.description,
    size: v.size,
    status: v.status,
    volume_type: v.volumeType,
    availability_zone: v.availabilityZone,
    bootable: v.bootable ? 1 : 0,
    encrypted: v.encrypted ? 1 : 0,
    multiattach: v.multiattach ? 1 : 0,
    metadata: JSON.stringify(v.metadata),
    snapshot_id: v.snapshotId,
    source_volid: v.sourceVolid,
    backup_id: v.backupId,
    attachments: JSON.stringify(v.attachments),
    created_at: v.createdAt.toISOString(),
    updated_at: v.updatedAt?.toISOString() ?? null,
    migration_status: v.migrationStatus ?? null,
  };
}

export function toSnapshot(row: SnapshotTable): Snapshot {
  return {
    id: row.id,
    projectId: row.project_id,
    userId: row.user_id,
    volumeId: row.volume_id,
    volumeType: row.volume_type,
    name: row.name,
    description: row.description,
    size: Number(row.size),
    status: row.status as SnapshotStatus,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    createdAt: new Date(row.created_at),
    updatedAt: row.updated_at ? new Date(row.updated_at) : null,
  };
}

export function snapshotRow(s: Snapshot): SnapshotTable {
  return {
    id: s.id,
    project_id: s.projectId,
    user_id: s.userId,
    volume_id: s.volumeId,
    volume_type: s.volumeType,
    name: s.name,
    description: s.description,
    size: s.size,
    status: s.status,
    metadata: JSON.stringify(s.metadata),
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt?.toISOString() ?? null,
  };
}
