import { cbrStatus, vaultIdOf, type CbrBackup } from '../../services/backups/cbr-listing.js';

/** CBR's provider id for disk backups. */
const DISK_PROVIDER = 'd1603440-187d-4516-af25-121250c7cc97';

function cbrTime(d: Date | null): string | null {
  return d ? d.toISOString().replace(/Z$/, '+00:00') : null;
}

export function cbrBackupView({ backup: b, resourceName }: CbrBackup) {
  return {
    id: b.id,
    checkpoint_id: b.id,
    name: b.name,
    description: b.description ?? '',
    status: cbrStatus(b.status),
    image_type: 'backup',
    project_id: b.projectId,
    provider_id: DISK_PROVIDER,
    vault_id: vaultIdOf(b.projectId),
    parent_id: null,
    resource_id: b.volumeId,
    resource_name: resourceName,
    resource_type: 'OS::Cinder::Volume',
    resource_size: b.size,
    resource_az: b.availabilityZone,
    created_at: cbrTime(b.createdAt),
    updated_at: cbrTime(b.updatedAt ?? b.createdAt),
    protected_at: cbrTime(b.dataTimestamp ?? b.createdAt),
    expired_at: null,
    children: [],
    extend_info: {
      auto_trigger: b.policyId !== null,
      bootable: b.volumeBootable,
      incremental: b.isIncremental,
      snapshot_id: b.snapshotId,
      encrypted: false,
      system_disk: b.volumeBootable,
      support_lld: false,
      supported_restore_mode: 'backup',
    },
  };
}
