import type { Kysely } from 'kysely';
import type { Database, VolumeTransferTable } from '../../db/schema.js';

type Executor = Kysely<Database>;

/** A volume offered to another project. The auth key is kept only as a salted HMAC. */
export interface Transfer {
  id: string;
  volumeId: string;
  name: string | null;
  salt: string;
  cryptHash: string;
  noSnapshots: boolean;
  sourceProjectId: string;
  destinationProjectId: string | null;
  accepted: boolean;
  createdAt: Date;
  updatedAt: Date | null;
}

function toTransfer(row: VolumeTransferTable): Transfer {
  return {
    id: row.id,
    volumeId: row.volume_id,
    name: row.name,
    salt: row.salt,
    cryptHash: row.crypt_hash,
    noSnapshots: Number(row.no_snapshots) === 1,
    sourceProjectId: row.source_project_id,
    destinationProjectId: row.destination_project_id,
    accepted: Number(row.accepted) === 1,
    createdAt: new Date(row.created_at),
    updatedAt: row.updated_at ? new Date(row.updated_at) : null,
  };
}

/** Transfer records of every project; the service scopes them. Accepted ones are history only. */
export class TransferRepository {
  constructor(private readonly db: Executor) {}

  async insert(t: Transfer, ex: Executor = this.db): Promise<void> {
    await ex
      .insertInto('volume_transfers')
      .values({
        id: t.id,
        volume_id: t.volumeId,
        name: t.name,
        salt: t.salt,
        crypt_hash: t.cryptHash,
        no_snapshots: t.noSnapshots ? 1 : 0,
        source_project_id: t.sourceProjectId,
        destination_project_id: t.destinationProjectId,
        accepted: t.accepted ? 1 : 0,
        created_at: t.createdAt.toISOString(),
        updated_at: t.updatedAt?.toISOString() ?? null,
      })
      .execute();
  }

  /** A pending (not accepted) transfer. */
  async getPending(id: string, ex: Executor = this.db): Promise<Transfer | undefined> {
    const row = await ex.selectFrom('volume_transfers').selectAll().where('id', '=', id).where('accepted', '=', 0).executeTakeFirst();
    return row && toTransfer(row);
  }

  /** Pending transfers of a project's volumes (every project's for null), oldest first. */
  async listPending(projectId: string | null, ex: Executor = this.db): Promise<Transfer[]> {
    let s = ex.selectFrom('volume_transfers').selectAll().where('accepted', '=', 0);
    if (projectId !== null) s = s.where('source_project_id', '=', projectId);
    return (await s.orderBy('created_at', 'asc').orderBy('id', 'asc').execute()).map(toTransfer);
  }

  async delete(id: string, ex: Executor = this.db): Promise<boolean> {
    const r = await ex.deleteFrom('volume_transfers').where('id', '=', id).where('accepted', '=', 0).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Marks a pending transfer accepted by a project; false if it no longer is pending. */
  async markAccepted(id: string, destinationProjectId: string, at: Date, ex: Executor = this.db): Promise<boolean> {
    const r = await ex
      .updateTable('volume_transfers')
      .set({ accepted: 1, destination_project_id: destinationProjectId, updated_at: at.toISOString() })
      .where('id', '=', id)
      .where('accepted', '=', 0)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
