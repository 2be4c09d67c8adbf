import type { Config } from './common/config.js';
import { systemClock, type Clock } from './common/clock.js';
import { openDatabase, type DbHandle } from './db/connect.js';
import { IdentityService } from './services/identity/identity.js';
import { IdentityAdmin } from './services/identity/identity-admin.js';
import { JobRepository } from './jobs/job-repository.js';
import { JobRunner, type RunnerOptions } from './jobs/job-runner.js';
import { jobErrorCode } from './http/error-mapping.js';
import { JobQueryService } from './services/jobs.js';
import { BackupRepository } from './services/backups/backup-repository.js';
import { BackupQueryService } from './services/backups/backup-queries.js';
import { CbrListing } from './services/backups/cbr-listing.js';
import { BackupService } from './services/backups/backup-service.js';
import { registerBackupJobs } from './services/backups/backup-jobs.js';
import { BackupTransfer } from './services/backups/backup-transfer.js';
import { openBlockStore } from './stores/factory.js';
import type { BlockStore } from './stores/block-store.js';
import { closeEngine } from './engine/index.js';
import type { VolumeDriver } from './volumes/driver.js';
import { FileVolumeDriver } from './volumes/file-driver.js';
import { VolumeRepository } from './services/volumes/volume-repository.js';
import { QuotaService } from './services/volumes/quota-service.js';
import { VolumeTypes } from './services/volumes/volume-types.js';
import { UserMessages } from './services/volumes/user-messages.js';
import { FileBackend } from './services/backend/file-backend.js';
import { ServiceRegistry } from './services/backend/service-registry.js';
import { BackendQueries } from './services/backend/backend-queries.js';
import { Placement } from './services/backend/placement.js';
import { QuotaSets } from './services/volumes/quota-sets.js';
import { VolumeService } from './services/volumes/volume-service.js';
import { SnapshotService } from './services/volumes/snapshot-service.js';
import { TransferRepository } from './services/volumes/transfer-repository.js';
import { TransferService } from './services/volumes/transfer-service.js';
import { createPolicyScheduling, type PolicyScheduling } from './services/policies/scheduler-setup.js';
import { PolicyRepository } from './services/policies/policy-repository.js';
import { PolicyService } from './services/policies/policy-service.js';
import { PolicyTagService } from './services/policies/policy-tags.js';
import { ShareRepository } from './services/sharing/share-repository.js';
import { SharingService } from './services/sharing/sharing-service.js';
import { Readiness } from './services/ops/readiness.js';
import { EventHub } from './common/ops-events.js';
import { logEvents, type EventLogger } from './common/event-log.js';
import { reportStoreErrors } from './stores/error-reporting-store.js';
import { StoreMaintenance } from './services/backups/store-maintenance.js';
import { StoreJobService, registerStoreJobs } from './services/backups/store-jobs.js';
import { BackupStatistics } from './services/backups/backup-statistics.js';
import type { CredentialService } from './services/identity/credentials.js';

/** Every use case of one process, built once over one database. */
export interface Services {
  config: Config;
  clock: Clock;
  database: DbHandle;
  identity: IdentityService;
  /** Keystone v3 administration: projects, users, roles, role assignments. */
  identityAdmin: IdentityAdmin;
  jobs: JobRepository;
  jobQueries: JobQueryService;
  /** Runs queued jobs; `vbs serve` starts it, tests start it when they need jobs to run. */
  runner: JobRunner;
  backups: BackupRepository;
  backupQueries: BackupQueryService;
  cbrListing: CbrListing;
  store: BlockStore;
  backupService: BackupService;
  /** Export and import of backup records (Cinder's export_record and import_record). */
  backupTransfer: BackupTransfer;
  volumeDriver: VolumeDriver;
  volumeRecords: VolumeRepository;
  quotas: QuotaService;
  volumeTypes: VolumeTypes;
  /** os-services: this process's services and their heartbeat; `vbs serve` starts it. */
  serviceRegistry: ServiceRegistry;
  backendQueries: BackendQueries;
  userMessages: UserMessages;
  quotaSets: QuotaSets;
  volumes: VolumeService;
  snapshots: SnapshotService;
  transfers: TransferService;
  /** Backup policy runs: run at once, and their tasks. */
  policyRuns: PolicyScheduling['policyRuns'];
  policyRunRecords: PolicyScheduling['policyRunRecords'];
  /** Runs ON policies at their slots; `vbs serve` starts it, tests start it or call tick(). */
  scheduler: PolicyScheduling['scheduler'];
  /** Backup policy records; the scheduler reads them through policyRecords. */
  policyRecords: PolicyRepository;
  policies: PolicyService;
  policyTags: PolicyTagService;
  sharing: SharingService;
  /** /readyz: whether this process can serve now (database, store, disk, workers). */
  readiness: Readiness;
  /** Job, policy, gc and store events: the log observes them; a server's metrics subscribe. */
  events: EventHub;
  /** IAM's permanent access keys (AK/SK). */
  credentials: CredentialService;
  /** Engine verify and gc of the block store, shared by the CLI and the store jobs. */
  maintenance: StoreMaintenance;
  /** Store verify and gc as jobs, for cloud administrators. */
  storeJobs: StoreJobService;
  /** A project's backup figures for dashboards and the last-backup-age metric. */
  backupStatistics: BackupStatistics;
  close(): Promise<void>;
}

/** The services' log: job runners, policy scheduler, volume driver, and the operators' events. */
export type ServicesLog = NonNullable<RunnerOptions['log']> & EventLogger;

export async function createServices(config: Config, clock: Clock = systemClock, log?: ServicesLog): Promise<Services> {
  const database = await openDatabase(config.databaseUrl, config.dataDir);
  const { db } = database;
  const events = new EventHub();
  if (log) events.subscribe(logEvents(log));
  const identityAdmin = new IdentityAdmin(db, clock);
  const identity = new IdentityService(db, clock, config.tokenTtlSeconds, identityAdmin, config.adminProject);
  const jobs = new JobRepository(db, clock);
  const runner = new JobRunner(jobs, { workers: config.workers, leaseMs: config.jobLeaseSeconds * 1000, log, codeOf: jobErrorCode, events, node: config.nodeName });
  const backups = new BackupRepository(db);
  // Backups see their shares through it, sharing records them in it.
  const shares = new ShareRepository(db);
  const volumeDriver = new FileVolumeDriver(config.dataDir);
  const volumeRecords = new VolumeRepository(db);
  const volumeTypes = new VolumeTypes(db, clock);
  const quotas = new QuotaService(db, config.quotaDefaults, (ex) => volumeTypes.names(ex));
  const serviceRegistry = new ServiceRegistry(db, clock, config.availabilityZone);
  const allocatedGb = async () => Number((await db.selectFrom('volumes').select((eb) => eb.fn.sum<number>('size').as('gb')).executeTakeFirst())?.gb ?? 0);
  const fileBackend = new FileBackend(config.dataDir, allocatedGb);
  const userMessages = new UserMessages(db, clock);
  const placement = new Placement(serviceRegistry, fileBackend, userMessages, clock);
  const driverLog = (message: string, err: unknown) => log?.error({ err }, message);
  let store: BlockStore;
  try {
    store = reportStoreErrors(await openBlockStore(config), (operation, err) =>
      events.emit({ event: 'store.error', operation, reason: (err as Error)?.message ?? String(err) }),
    );
  } catch (err) {
    await database.close();
    throw err;
  }
  const backupService = new BackupService({
    db,
    backups,
    volumes: volumeRecords,
    quotas,
    jobs,
    clock,
    kick: () => runner.kick(),
    store,
    shares,
  });
  const policyRecords = new PolicyRepository(db);
  const policies = new PolicyService(db, policyRecords, volumeRecords, quotas, clock);
  const maintenance = new StoreMaintenance(store, events);
  registerBackupJobs(runner, { db, backups, volumes: volumeRecords, driver: volumeDriver, store, clock, shares, maintenance });
  registerStoreJobs(runner, { db, backups, maintenance });
  const scheduling = createPolicyScheduling({ db, clock, backupService, leaseMs: config.jobLeaseSeconds * 1000, log, codeOf: jobErrorCode, events });
  return {
    config,
    clock,
    database,
    identity,
    identityAdmin,
    jobs,
    jobQueries: new JobQueryService(jobs),
    runner,
    backups,
    backupQueries: new BackupQueryService(backups, (backupId, projectId) => shares.isSharedWith(backupId, projectId)),
    cbrListing: new CbrListing(db),
    store,
    backupService,
    backupTransfer: new BackupTransfer({ db, backups, quotas, jobs, store, clock, kick: () => runner.kick() }),
    volumeDriver,
    volumeRecords,
    quotas,
    volumeTypes,
    serviceRegistry,
    backendQueries: new BackendQueries(db, clock, fileBackend, serviceRegistry, config.availabilityZone),
    userMessages,
    quotaSets: new QuotaSets(quotas, identity),
    volumes: new VolumeService(db, volumeRecords, quotas, volumeDriver, clock, {
      availabilityZone: config.availabilityZone,
      types: volumeTypes,
      unschedulable: (caller, volume, type) => placement.unschedulable(caller, volume, type),
      fits: (type) => placement.fits(type),
      log: driverLog,
      fromBackup: (caller, backupId, volume) => backupService.createVolume(caller, backupId, volume),
    }),
    snapshots: new SnapshotService(db, volumeRecords, quotas, volumeDriver, clock, driverLog),
    transfers: new TransferService(db, volumeRecords, new TransferRepository(db), quotas, clock),
    policyRecords,
    policies,
    policyTags: new PolicyTagService(db, policyRecords, policies),
    sharing: new SharingService({ db, shares, backups, clock }),
    policyRuns: scheduling.policyRuns,
    policyRunRecords: scheduling.policyRunRecords,
    scheduler: scheduling.scheduler,
    events,
    credentials: identity.credentials,
    maintenance,
    storeJobs: new StoreJobService({ db, backups, jobs, maintenance, kick: () => runner.kick() }),
    backupStatistics: new BackupStatistics(db, quotas, clock),
    readiness: new Readiness({ db, store, clock, dataDir: config.dataDir, minFreeBytes: config.readyMinFreeBytes, workers: () => runner.health() }),
    close: async () => {
      serviceRegistry.stop();
      await scheduling.scheduler.stop();
      await runner.stop(config.drainSeconds * 1000);
      await store.close();
      await closeEngine();
      await database.close();
    },
  };
}
