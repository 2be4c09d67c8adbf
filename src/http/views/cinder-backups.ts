import type { Backup } from '../../services/backups/backup-repository.js';
import { atLeast } from '../microversion.js';
import { cinderTime } from './cinder-time.js';
import { resourceLinks, type CinderViewContext } from './cinder-links.js';

export function backupSummary(b: Backup, ctx: CinderViewContext) {
  return { id: b.id, name: b.name, links: resourceLinks(ctx, 'backups', b.id) };
}

/** The fields of a backup itself, as every backup view shows them (Cinder detail, the share's `backup`), but service_metadata, which not all show. */
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
  };
}

/** service_metadata: a JSON string, as the VBS API documents it. */
export const serviceMetadataText = (b: Backup): string => JSON.stringify(b.serviceMetadata);

/**
 * Cinder's detail; /v2 keeps the VBS reference's service_metadata, which Cinder's v3 views do not
 * show. Every key is set (undefined where a version leaves a field out, which the serializer
 * omits), added to the fields' object rather than spread into a new one: a listing builds a
 * hundred of these, and the spread made this five times slower.
 */
export function backupDetail(b: Backup, ctx: CinderViewContext) {
  const v2 = ctx.version.major === 2;
  return Object.assign(backupFields(b), {
    service_metadata: v2 ? serviceMetadataText(b) : undefined,
    links: resourceLinks(ctx, 'backups', b.id),
    'os-bak-tenant-attr:tenant_id': v2 ? b.projectId : undefined,
    'os-backup-project-attr:project_id': v2 ? undefined : b.projectId,
    metadata: !v2 && atLeast(ctx.version, '3.43') ? b.metadata : undefined,
  });
}
