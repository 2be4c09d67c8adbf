import type { Backup } from '../../services/backups/backup-repository.js';
import type { Microversion } from '../microversion.js';
import { atLeast } from '../microversion.js';
import { cinderTime } from './cinder-time.js';

export interface ViewContext {
  publicUrl: string;
  projectId: string;
  version: Microversion;
}

function apiPrefix(v: Microversion): string {
  return v.major === 2 ? 'v2' : 'v3';
}

function links(ctx: ViewContext, id: string) {
  return [
    { href: `${ctx.publicUrl}/${apiPrefix(ctx.version)}/${ctx.projectId}/backups/${id}`, rel: 'self' },
    { href: `${ctx.publicUrl}/${ctx.projectId}/backups/${id}`, rel: 'bookmark' },
  ];
}

export function backupSummary(b: Backup, ctx: ViewContext) {
  return { id: b.id, name: b.name, links: links(ctx, b.id) };
}

export function backupDetail(b: Backup, ctx: ViewContext) {
  const v2 = ctx.version.major === 2;
  return {
    id: b.id,
    name: b.name,
    status: b.status,
    description: b.description,
    links: links(ctx, b.id),
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
    ...(v2 ? { 'os-bak-tenant-attr:tenant_id': b.projectId } : { 'os-backup-project-attr:project_id': b.projectId }),
    ...(!v2 && atLeast(ctx.version, '3.43') ? { metadata: b.metadata } : {}),
  };
}

/** `backups_links` with a `next` link that continues after `marker`, keeping the other parameters. */
export function nextLinks(ctx: ViewContext, path: string, query: Record<string, unknown>, marker: string | undefined) {
  if (!marker) return undefined;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'marker' || k === 'offset' || v === undefined) continue;
    params.set(k, Array.isArray(v) ? String(v[v.length - 1]) : String(v));
  }
  params.set('marker', marker);
  return [{ href: `${ctx.publicUrl}/${apiPrefix(ctx.version)}/${ctx.projectId}/${path}?${params.toString()}`, rel: 'next' }];
}
