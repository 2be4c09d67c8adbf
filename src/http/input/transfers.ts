import { isUuid } from '../../common/ids.js';
import type { CreateTransfer } from '../../services/volumes/transfer-service.js';
import { AcceptTransferBody, CreateTransferBody, CreateTransferBodyV355 } from '../schemas/cinder-transfers.js';
import { bad, bodyObject, booleanOf, refuseUnknownCinderKeys } from './common.js';

/**
 * POST os-volume-transfer or volume-transfers: the volume's id and an optional name (trimmed);
 * `withSnapshotsChoice` (volume-transfers from 3.55) also takes no_snapshots.
 */
export function parseCreateTransfer(body: unknown, withSnapshotsChoice: boolean): CreateTransfer {
  const spec = bodyObject(body, 'transfer');
  refuseUnknownCinderKeys(body, withSnapshotsChoice ? CreateTransferBodyV355 : CreateTransferBody, 'transfer');
  if (!isUuid(spec.volume_id)) throw bad(`Invalid input for field/attribute volume_id. Value: ${JSON.stringify(spec.volume_id)}. It is not a UUID.`);
  const rawName = spec.name;
  if (rawName !== undefined && rawName !== null && typeof rawName !== 'string') throw bad('name must be a string or null.');
  const name = typeof rawName === 'string' ? rawName.trim() : null;
  if (name !== null && name.length > 255) throw bad('name must be at most 255 characters.');
  const noSnapshots = spec.no_snapshots === undefined ? false : booleanOf(spec.no_snapshots, 'no_snapshots');
  return { volumeId: String(spec.volume_id).toLowerCase(), name, noSnapshots };
}

/** POST .../{id}/accept: `{"accept": {"auth_key": ...}}`, a string or a number. */
export function parseAcceptTransfer(body: unknown): string {
  const spec = bodyObject(body, 'accept');
  refuseUnknownCinderKeys(body, AcceptTransferBody, 'accept');
  const key = spec.auth_key;
  if (typeof key === 'string' || (typeof key === 'number' && Number.isInteger(key))) return String(key);
  throw bad("Missing required element 'auth_key' in request body (a string).");
}
