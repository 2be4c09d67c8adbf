import type { VolumeType, VolumeTypeEncryption } from '../../services/volumes/volume-types.js';
import { cinderTime } from './cinder-time.js';

/** What a type shows at any verb: extra specs are those the caller may read. */
function base(t: VolumeType, specs: Record<string, string>) {
  return { id: t.id, name: t.name, is_public: t.isPublic, description: t.description, extra_specs: specs };
}

/** Show and list: with the access extension's flag, and the QoS id for administrators. */
export function volumeTypeView(t: VolumeType, specs: Record<string, string>, admin: boolean) {
  return { ...base(t, specs), 'os-volume-type-access:is_public': t.isPublic, ...(admin ? { qos_specs_id: null } : {}) };
}

/** The answer to a create (Cinder's view of the v2 API, with the access extension's flag). */
export function createdTypeView(t: VolumeType) {
  return { ...base(t, t.extraSpecs), 'os-volume-type-access:is_public': t.isPublic };
}

/** The answer to an update: no extension adds to it. */
export function updatedTypeView(t: VolumeType) {
  return base(t, t.extraSpecs);
}

export function encryptionView(e: VolumeTypeEncryption) {
  return {
    volume_type_id: e.volumeTypeId,
    encryption_id: e.encryptionId,
    key_size: e.keySize,
    provider: e.provider,
    control_location: e.controlLocation,
    cipher: e.cipher,
  };
}

/** GET /types/{id}/encryption: the record as Cinder's table holds it, or {} without one. */
export function encryptionShowView(e: VolumeTypeEncryption | undefined) {
  if (!e) return {};
  return { ...encryptionView(e), deleted: false, created_at: cinderTime(e.createdAt), updated_at: cinderTime(e.updatedAt), deleted_at: null };
}
