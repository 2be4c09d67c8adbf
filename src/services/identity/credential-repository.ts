import type { Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { CredentialTable } from '../../db/schema.js';
import type { Executor } from './identity-repository.js';

export const CREDENTIAL_STATUSES = ['active', 'inactive'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** An access key as stored; the secret leaves the service only when the key is made. */
export interface StoredCredential {
  accessKey: string;
  secretKey: string;
  userId: string;
  projectId: string;
  status: CredentialStatus;
  description: string;
  createdAt: Date;
}

function toCredential(row: Selectable<CredentialTable>): StoredCredential {
  return {
    accessKey: row.access_key,
    secretKey: row.secret_key,
    userId: row.user_id,
    projectId: row.project_id,
    status: row.status === 'inactive' ? 'inactive' : 'active',
    description: row.description ?? '',
    createdAt: new Date(row.created_at),
  };
}

/** Access keys (AK/SK); who may read or change one is CredentialService's rule. */
export class CredentialRepository {
  constructor(private readonly db: Db) {}

  async insert(c: StoredCredential, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('credentials')
      .values({
        access_key: c.accessKey,
        secret_key: c.secretKey,
        user_id: c.userId,
        project_id: c.projectId,
        created_at: c.createdAt.toISOString(),
        status: c.status,
        description: c.description,
      })
      .execute();
  }

  async get(accessKey: string): Promise<StoredCredential | undefined> {
    const row = await this.db.selectFrom('credentials').selectAll().where('access_key', '=', accessKey).executeTakeFirst();
    return row && toCredential(row);
  }

  /** The keys of a user, oldest first. */
  async ofUser(userId: string, executor: Executor = this.db): Promise<StoredCredential[]> {
    const rows = await executor.selectFrom('credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('access_key').execute();
    return rows.map(toCredential);
  }

  async update(accessKey: string, changes: { status?: CredentialStatus; description?: string }): Promise<void> {
    if (Object.keys(changes).length === 0) return;
    await this.db.updateTable('credentials').set(changes).where('access_key', '=', accessKey).execute();
  }

  async delete(accessKey: string): Promise<boolean> {
    const r = await this.db.deleteFrom('credentials').where('access_key', '=', accessKey).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * Serialises the key changes of one user until the transaction ends, so two creates cannot
   * both pass the per-user limit: the no-op row update takes the row lock in PostgreSQL and the
   * write lock in SQLite.
   */
  async lockUser(userId: string, tx: Executor): Promise<void> {
    await tx.updateTable('users').set((eb) => ({ name: eb.ref('name') })).where('id', '=', userId).execute();
  }
}
