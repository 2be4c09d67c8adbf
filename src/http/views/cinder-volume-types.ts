import type { VolumeType } from '../../services/volumes/volume-types.js';

export function volumeTypeView(t: VolumeType) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    is_public: true,
    'os-volume-type-access:is_public': true,
    qos_specs_id: null,
    extra_specs: { volume_backend_name: 'file' },
  };
}
