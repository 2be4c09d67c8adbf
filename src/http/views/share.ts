import type { Share, SharedBackup } from '../../services/sharing/share-repository.js';
import { backupFields, serviceMetadataText } from './cinder-backups.js';
import { cinderTime } from './cinder-time.js';

/** A backup share as the VBS API shows it (seed 002). */
export function shareView(s: Share) {
  return {
    id: s.id,
    backup_id: s.backupId,
    from_project_id: s.fromProjectId,
    to_project_id: s.toProjectId,
    created_at: cinderTime(s.createdAt),
    updated_at: cinderTime(s.updatedAt),
  };
}

/** A share just made: it also says that it is live. */
export function newShareView(s: Share) {
  return { ...shareView(s), deleted: false, deleted_at: null };
}

export function shareDetail({ share, backup }: SharedBackup) {
  // The source backup's own fields, nothing of the owner's project or links into it, nor where
  // the owner keeps it: the container is null here, as in the reference's (seed 002) examples.
  return { ...shareView(share), backup: { ...backupFields(backup), service_metadata: serviceMetadataText(backup), container: null } };
}
