import type { Kysely } from 'kysely';
import { withoutStorePath } from '../../stores/container-name.js';

interface BackupContainers {
  backups: { id: string; container: string | null };
}

/**
 * Backups made before kept the store's description as their container, a host path
 * (`fs:/srv/...`) or an S3 endpoint that every project and share recipient could read: renamed
 * as the store names itself now. Containers users chose stay.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const backups = db as Kysely<BackupContainers>;
  const rows = await backups
    .selectFrom('backups')
    .select(['id', 'container'])
    .where((eb) => eb.or([eb('container', 'like', 'fs:/%'), eb('container', 'like', 's3:%://%')]))
    .execute();
  for (const row of rows) {
    const renamed = withoutStorePath(row.container);
    if (renamed !== row.container) await backups.updateTable('backups').set({ container: renamed }).where('id', '=', row.id).execute();
  }
}

/** The old names told where the data was on one host; nothing to bring back. */
export async function down(): Promise<void> {}
