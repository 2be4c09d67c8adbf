import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { loadConfig } from '../../src/common/config.js';
import { createServices, type Services } from '../../src/container.js';
import type { Backup } from '../../src/services/backups/backup-repository.js';
import { ADMIN_PASSWORD, freshPostgresDatabase, tempDir, type DbKind } from './server.js';

/** Every service over a fresh database, without HTTP: for rules the services keep themselves. */
export async function startServices(db: DbKind, env: Record<string, string> = {}): Promise<{ services: Services; close(): Promise<void> }> {
  const dataDir = tempDir('vbs-services-');
  const databaseUrl = db === 'postgres' ? await freshPostgresDatabase() : undefined;
  const config = loadConfig({ VBS_DATA_DIR: dataDir, VBS_LOG_LEVEL: 'silent', VBS_DRAIN_SECONDS: '10', ...(databaseUrl ? { VBS_DATABASE_URL: databaseUrl } : {}), ...env });
  const services = await createServices(config);
  // The default domain projects are made in, and the admin project.
  await services.identity.bootstrap(ADMIN_PASSWORD);
  return {
    services,
    close: async () => {
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A backup record as a finished backup leaves it, with `over` changed. */
export function backupRecord(projectId: string, over: Partial<Backup> = {}): Backup {
  return {
    id: randomUUID(),
    projectId,
    volumeId: randomUUID(),
    snapshotId: null,
    name: 'backup',
    description: null,
    status: 'available',
    failReason: null,
    size: 1,
    objectCount: 1,
    container: 'fs:test',
    availabilityZone: 'nova',
    metadata: {},
    tags: [],
    isIncremental: false,
    serviceMetadata: { Type: 0 },
    volumeBootable: false,
    volumeType: 'SATA',
    volumeMetadata: {},
    policyId: null,
    dataTimestamp: null,
    createdAt: new Date(Date.UTC(2026, 10, 1)),
    updatedAt: null,
    ...over,
  };
}
