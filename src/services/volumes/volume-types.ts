import { NotFound } from '../common/errors.js';

/** The disk types of the VBS API; their quota codes (VolumeBackup.0071-0079) name them. */
export interface VolumeType {
  id: string;
  name: 'SATA' | 'SAS' | 'SSD';
  description: string;
}

// Fixed ids: every process and restart names a type the same way.
export const VOLUME_TYPES: readonly VolumeType[] = [
  { id: '5f4c1b2e-9a61-4d55-8c3e-0a1b2c3d4e01', name: 'SATA', description: 'Common I/O' },
  { id: '5f4c1b2e-9a61-4d55-8c3e-0a1b2c3d4e02', name: 'SAS', description: 'High I/O' },
  { id: '5f4c1b2e-9a61-4d55-8c3e-0a1b2c3d4e03', name: 'SSD', description: 'Ultra-high I/O' },
];

export const DEFAULT_VOLUME_TYPE: VolumeType = VOLUME_TYPES[0];

/** A type by name (any case) or id, as Cinder accepts either; undefined when none matches. */
export function findVolumeType(nameOrId: string): VolumeType | undefined {
  const wanted = nameOrId.trim().toLowerCase();
  return VOLUME_TYPES.find((t) => t.id === wanted || t.name.toLowerCase() === wanted);
}

/** The type a new volume asks for by name or id, the default when it names none. */
export function resolveVolumeType(nameOrId: string | undefined): VolumeType {
  if (nameOrId === undefined || nameOrId === '') return DEFAULT_VOLUME_TYPE;
  const t = findVolumeType(nameOrId);
  if (!t) throw new NotFound('volume_type', nameOrId, `Volume type ${nameOrId} could not be found; use one of ${VOLUME_TYPES.map((x) => x.name).join(', ')}.`);
  return t;
}

export function getVolumeType(id: string): VolumeType {
  const t = findVolumeType(id);
  if (!t) throw new NotFound('volume_type', id);
  return t;
}
