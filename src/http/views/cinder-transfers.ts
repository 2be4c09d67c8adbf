import type { Transfer } from '../../services/volumes/transfer-repository.js';
import { atLeast } from '../microversion.js';
import { resourceLinks, type CinderViewContext } from './cinder-links.js';
import { cinderTime } from './cinder-time.js';

// Both routes link to os-volume-transfer, as Cinder's one view of transfers does.
const COLLECTION = 'os-volume-transfer';

export function transferSummary(t: Transfer, ctx: CinderViewContext) {
  return { id: t.id, volume_id: t.volumeId, name: t.name, links: resourceLinks(ctx, COLLECTION, t.id) };
}

/** The detailed view: no_snapshots from 3.55, the transfer's history from 3.57. */
export function transferDetail(t: Transfer, ctx: CinderViewContext) {
  const v3 = ctx.version.major === 3;
  return {
    id: t.id,
    created_at: cinderTime(t.createdAt),
    name: t.name,
    volume_id: t.volumeId,
    links: resourceLinks(ctx, COLLECTION, t.id),
    ...(v3 && atLeast(ctx.version, '3.55') ? { no_snapshots: t.noSnapshots } : {}),
    ...(v3 && atLeast(ctx.version, '3.57')
      ? { destination_project_id: t.destinationProjectId, source_project_id: t.sourceProjectId, accepted: t.accepted }
      : {}),
  };
}

/** The created transfer: its details and the auth key, shown this once. */
export function createdTransfer(t: Transfer, authKey: string, ctx: CinderViewContext) {
  return { ...transferDetail(t, ctx), auth_key: authKey };
}
