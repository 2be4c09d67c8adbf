import type { HostUsage } from '../../services/backend/backend-queries.js';
import type { BackendCapabilities } from '../../services/backend/file-backend.js';
import type { VolumeServiceRecord } from '../../services/backend/service-registry.js';
import type { UserMessage } from '../../services/volumes/user-messages.js';
import { atLeast } from '../microversion.js';
import type { CinderViewContext } from './cinder-links.js';
import { cinderTime } from './cinder-time.js';

/** A service of os-services: the volume service adds its replication and freeze state; 3.7 the cluster, 3.49 the back end's state. */
export function serviceView(s: VolumeServiceRecord, ctx: CinderViewContext, backendState: string) {
  const v3 = ctx.version.major === 3;
  const volume = s.binary === 'cinder-volume';
  return {
    binary: s.binary,
    host: s.host,
    zone: s.zone,
    status: s.disabled ? ('disabled' as const) : ('enabled' as const),
    state: s.up ? ('up' as const) : ('down' as const),
    updated_at: cinderTime(s.updatedAt)!,
    ...(v3 && atLeast(ctx.version, '3.49') && volume ? { backend_state: backendState } : {}),
    ...(v3 && atLeast(ctx.version, '3.7') ? { cluster: null } : {}),
    disabled_reason: s.disabledReason,
    ...(volume ? { replication_status: 'not-capable', active_backend_id: null, frozen: s.frozen } : {}),
  };
}

export function hostView(s: VolumeServiceRecord) {
  return {
    host_name: s.host,
    service: s.binary,
    zone: s.zone,
    'service-status': s.up ? ('available' as const) : ('unavailable' as const),
    'service-state': s.disabled ? ('disabled' as const) : ('enabled' as const),
    'last-update': cinderTime(s.updatedAt),
  };
}

export function hostResourceView(u: HostUsage) {
  return {
    resource: {
      host: u.host,
      project: u.project,
      volume_count: String(u.volumeCount),
      total_volume_gb: String(u.totalVolumeGb),
      snapshot_count: String(u.snapshotCount),
      total_snapshot_gb: String(u.totalSnapshotGb),
    },
  };
}

/** GET /capabilities/{host}: what the back end offers, with the properties a volume type may ask for. */
export function capabilitiesView(host: string, c: BackendCapabilities) {
  return {
    namespace: `OS::Storage::Capabilities::${host}`,
    volume_backend_name: c.volume_backend_name,
    pool_name: c.pool_name,
    driver_version: c.driver_version,
    storage_protocol: c.storage_protocol,
    vendor_name: c.vendor_name,
    display_name: null,
    description: null,
    visibility: null,
    replication_targets: [],
    properties: {
      thin_provisioning: { title: 'Thin Provisioning', description: 'Volumes take space only as data is written to them.', type: 'boolean' },
      multiattach: { title: 'Multi-attach', description: 'A volume may be attached to several instances at once.', type: 'boolean' },
    },
  };
}

export function messageView(m: UserMessage, ctx: CinderViewContext) {
  const path = `v3/${m.projectId}/messages/${m.id}`;
  return {
    id: m.id,
    event_id: m.eventId,
    user_message: m.userMessage,
    message_level: m.level,
    resource_type: m.resourceType,
    resource_uuid: m.resourceUuid,
    request_id: m.requestId,
    created_at: cinderTime(m.createdAt)!,
    guaranteed_until: cinderTime(m.guaranteedUntil)!,
    links: [
      { href: `${ctx.publicUrl}/${path}`, rel: 'self' },
      { href: `${ctx.publicUrl}/${path.replace(/^v3\//, '')}`, rel: 'bookmark' },
    ],
  };
}

const UPDATED = '2026-01-01T00:00:00+00:00';

/** The Cinder extensions whose resources and attributes this service implements. */
const EXTENSIONS: ReadonlyArray<[name: string, alias: string, description: string]> = [
  ['AdminActions', 'os-admin-actions', 'Administrators reset the status of and force-delete volumes and snapshots.'],
  ['AvailabilityZones', 'os-availability-zone', 'Lists the availability zones.'],
  ['Backups', 'backups', 'Volume backups, restores and their listing.'],
  ['Capabilities', 'capabilities', 'Shows what a back end offers.'],
  ['ExtendedServices', 'os-extended-services', 'Services record why they were disabled.'],
  ['Hosts', 'os-hosts', 'Lists the hosts of the services and what a volume host holds.'],
  ['QuotaClasses', 'os-quota-class-sets', 'The default quota class.'],
  ['Quotas', 'os-quota-sets', 'Project quotas and their usage.'],
  ['SchedulerStats', 'scheduler-stats', 'Lists the back end pools and their capacity.'],
  ['Services', 'os-services', 'Lists, enables, disables, freezes and thaws services.'],
  ['TypesExtraSpecs', 'os-types-extra-specs', 'Extra specs of volume types.'],
  ['TypesManage', 'os-types-manage', 'Administrators create, update and delete volume types.'],
  ['UsedLimits', 'os-used-limits', 'Limits show what a project uses.'],
  ['VolumeActions', 'os-volume-actions', 'Volume actions: attach, detach, extend, reserve and more.'],
  ['VolumeHostAttribute', 'os-vol-host-attr', "Administrators see a volume's host."],
  ['VolumeMigStatusAttribute', 'os-vol-mig-status-attr', "Administrators see a volume's migration status."],
  ['VolumeTenantAttribute', 'os-vol-tenant-attr', "Administrators see a volume's project."],
  ['VolumeTypeAccess', 'os-volume-type-access', 'Private volume types and the projects given them.'],
  ['VolumeTypeEncryption', 'encryption', 'Encryption settings of volume types.'],
];

export function extensionsView() {
  return {
    extensions: EXTENSIONS.map(([name, alias, description]) => ({
      name,
      alias,
      namespace: `https://docs.openstack.org/volume/ext/${alias}/api/v1`,
      description,
      updated: UPDATED,
      links: [],
    })),
  };
}
