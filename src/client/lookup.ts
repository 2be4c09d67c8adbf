/** VOLUME and BACKUP arguments: an id, or a name that only one of the project's resources has. */
import { ApiFailure, ClientError } from './errors.js';
import type { Session } from './session.js';
import type { BackupView, VolumeView } from './waiting.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function byIdOrName<T extends { id: string }>(
  kind: 'volume' | 'backup',
  ref: string,
  byId: (id: string) => Promise<T>,
  byName: (name: string) => Promise<T[]>,
): Promise<T> {
  if (UUID.test(ref)) {
    try {
      return await byId(ref);
    } catch (err) {
      // An id-shaped name is still a name: fall through to the listing.
      if (!(err instanceof ApiFailure && err.status === 404)) throw err;
    }
  }
  const found = await byName(ref);
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new ClientError(`no ${kind} with the id or name "${ref}"`);
  throw new ClientError(`${found.length} ${kind}s are named "${ref}" (${found.map((f) => f.id).join(', ')}): give an id`);
}

export function findVolume(session: Session, ref: string): Promise<VolumeView> {
  return byIdOrName(
    'volume',
    ref,
    async (id) => (await session.request<{ volume: VolumeView }>('GET', 'volumev3', `/volumes/${id}`)).volume,
    async (name) => (await session.request<{ volumes: VolumeView[] }>('GET', 'volumev3', '/volumes/detail', { query: { name } })).volumes,
  );
}

/** A backup of the project, or (by id) one shared with it. */
export function findBackup(session: Session, ref: string): Promise<BackupView> {
  return byIdOrName(
    'backup',
    ref,
    async (id) => (await session.request<{ backup: BackupView }>('GET', 'volumev3', `/backups/${id}`)).backup,
    async (name) => (await session.request<{ backups: BackupView[] }>('GET', 'volumev3', '/backups/detail', { query: { name } })).backups,
  );
}

export function isUuid(ref: string): boolean {
  return UUID.test(ref);
}
