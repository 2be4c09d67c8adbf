import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_identity.js';
import * as m0002 from './0002_volumes.js';
import * as m0003 from './0003_volume_extras.js';
import * as m0010 from './0010_jobs.js';
import * as m0011 from './0011_backups.js';
import * as m0020 from './0020_backup_policies.js';
import * as m0021 from './0021_policy_runs.js';
import * as m0022 from './0022_policy_task_codes.js';
import * as m0030 from './0030_backup_shares.js';
import * as m0031 from './0031_identity_admin.js';
import * as m0040 from './0040_volume_types_and_admin.js';
import * as m0050 from './0050_volume_transfers.js';
import * as m0060 from './0060_snapshot_progress.js';
import * as m0070 from './0070_token_chains_and_domain_roles.js';
import * as m0080 from './0080_aksk_signatures.js';
import * as m0081 from './0081_backup_container_names.js';
import * as m0090 from './0090_readiness_probes.js';
import * as m0100 from './0100_job_progress.js';
import * as m0110 from './0110_backup_figures.js';
import * as m0111 from './0111_credential_status.js';
import * as m0130 from './0130_listing_indexes.js';
import * as m0140 from './0140_backup_counts.js';
import * as m0150 from './0150_backup_revisions.js';

/** Every migration in order; names sort in the order they apply. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_identity': m0001,
  '0002_volumes': m0002,
  '0003_volume_extras': m0003,
  '0010_jobs': m0010,
  '0011_backups': m0011,
  '0020_backup_policies': m0020,
  '0021_policy_runs': m0021,
  '0022_policy_task_codes': m0022,
  '0030_backup_shares': m0030,
  '0031_identity_admin': m0031,
  '0040_volume_types_and_admin': m0040,
  '0050_volume_transfers': m0050,
  '0060_snapshot_progress': m0060,
  '0070_token_chains_and_domain_roles': m0070,
  '0080_aksk_signatures': m0080,
  '0081_backup_container_names': m0081,
  '0090_readiness_probes': m0090,
  '0100_job_progress': m0100,
  '0110_backup_figures': m0110,
  '0111_credential_status': m0111,
  '0130_listing_indexes': m0130,
  '0140_backup_counts': m0140,
  '0150_backup_revisions': m0150,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
