import type { Backup } from '../../services/backups/backup-repository.js';
import { atLeast } from '../microversion.js';
import { cinderTime } from './cinder-time.js';
import { resourceLinks, type CinderViewContext } from './cinder-links.js';

export function backupSummary(b: Backup, ctx: CinderViewContext) {
  return { id: b.id, name: b.name, links: resourceLinks(ctx, 'backups', b.id) };
}

/** The fields of a backup itself, as every backup view shows them (Cinder detail, the share's `backup`). */
export function backupFields(b: Backup) {
  return {
    id: b.id,
    name: b.name,
    status: b.status,
    description: b.description,
    availability_zone: b.availabilityZone,
    volume_id: b.volumeId,
    snapshot_id: b.snapshotId,
    fail_reason: b.failReason,
    size: b.size,
    object_count: b.objectCount,
    container: b.container,
    created_at: cinderTime(b.createdAt),
    updated_at: cinderTime(b.updatedAt),
    data_timestamp: cinderTime(b.dataTimestamp ?? b.createdAt),
    // Every backup is logically whole: none depends on another, whatever is_incremental says.
    has_dependent_backups: false,
    is_incremental: b.isIncremental,
    // A JSON string, as the VBS API documents it.
    service_metadata: JSON.stringify(b.serviceMetadata),
  };
}

/** Cinder's detail; /v2 keeps the VBS reference's service_metadata, which Cinder's v3 views do not show. */
export function backupDetail(b: Backup, ctx: CinderViewContext) {
  const v2 = ctx.version.major === 2;
  const { service_metadata: serviceMetadata, ...fields } = backupFields(b);
  return {
    ...fields,
    ...(v2 ? { service_metadata: serviceMetadata } : {}),
    links: resourceLinks(ctx, 'backups', b.id),
    ...(v2 ? { 'os-bak-tenant-attr:tenant_id': b.projectId } : { 'os-backup-project-attr:project_id': b.projectId }),
    ...(!v2 && atLeast(ctx.version, '3.43') ? { metadata: b.metadata } : {}),
  };
}
