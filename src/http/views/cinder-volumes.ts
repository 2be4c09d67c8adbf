import os from 'node:os';
import type { Volume } from '../../services/volumes/volume-records.js';
import { atLeast } from '../microversion.js';
import { resourceLinks, type CinderViewContext } from './cinder-links.js';
import { cinderTime } from './cinder-time.js';

/** Cinder's host@backend#pool: one file backend with one pool on this host. */
export const HOST = `${os.hostname()}@file#file`;
/** This service's one volume service, as microversion 3.48 names it. */
const SERVICE_UUID = '8f6b2c1e-3d4a-4b5c-9e7f-a1b2c3d4e5f6';

export function volumeSummary(v: Volume, ctx: CinderViewContext) {
  return { id: v.id, name: v.name, links: resourceLinks(ctx, 'volumes', v.id) };
}

function attachments(v: Volume) {
  return v.attachments.map((a) => ({
    id: a.id,
    attachment_id: a.attachment_id,
    volume_id: a.volume_id,
    server_id: a.server_id,
    host_name: a.host_name,
    device: a.device,
    attached_at: cinderTime(new Date(a.attached_at)),
  }));
}

/**
 * Cinder's detailed volume. `read` marks a show or a detailed listing: only those carry the
 * attributes Cinder's extensions add. The tenant attribute is for whoever may read the volume
 * (Cinder's policy: a reader of its project); host and migration ones for administrators only.
 * A create or an update answers without them.
 */
export function volumeDetail(v: Volume, ctx: CinderViewContext, read = false) {
  const v3 = ctx.version.major === 3;
  const extended = read && ctx.admin;
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    status: v.status,
    size: v.size,
    availability_zone: v.availabilityZone,
    created_at: cinderTime(v.createdAt),
    updated_at: cinderTime(v.updatedAt),
    attachments: attachments(v),
    links: resourceLinks(ctx, 'volumes', v.id),
    volume_type: v.volumeType,
    snapshot_id: v.snapshotId,
    source_volid: v.sourceVolid,
    metadata: v.metadata,
    // Cinder has always shown these two as strings.
    bootable: v.bootable ? 'true' : 'false',
    encrypted: v.encrypted,
    multiattach: v.multiattach,
    user_id: v.userId,
    consistencygroup_id: null,
    replication_status: 'disabled',
    ...(ctx.admin ? { migration_status: v.migrationStatus ?? null } : {}),
    ...(extended ? { 'os-vol-host-attr:host': HOST } : {}),
    ...(read ? { 'os-vol-tenant-attr:tenant_id': v.projectId } : {}),
    ...(extended ? { 'os-vol-mig-status-attr:migstat': v.migrationStatus ?? null, 'os-vol-mig-status-attr:name_id': null } : {}),
    ...(v3 && atLeast(ctx.version, '3.13') ? { group_id: null } : {}),
    ...(v3 && ctx.admin && atLeast(ctx.version, '3.21') ? { provider_id: null } : {}),
    ...(v3 && atLeast(ctx.version, '3.48') ? { service_uuid: SERVICE_UUID, shared_targets: false } : {}),
  };
}
