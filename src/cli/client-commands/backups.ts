/**
 * `vbs backup create|list|show|delete|restore`. Each command takes the API that tells the user
 * most: the VBS API answers a job id, which --wait follows to an exit status with the job's own
 * error code and reason; Cinder's API is used where only it can do what was asked.
 */
import type { Command } from 'commander';
import { ClientError, JobFailure } from '../../client/errors.js';
import { findBackup, findVolume } from '../../client/lookup.js';
import type { Session } from '../../client/session.js';
import { backupProgress, followResource, type BackupView, type JobView } from '../../client/waiting.js';
import { awaitJob } from './jobs.js';
import { CLIENT_GROUP, clientAction, clientCommand, count, type ClientContext } from './common.js';
import { getVolume, waitForVolume } from './volumes.js';

export const BACKUP_COLUMNS = ['id', 'name', 'status', 'size', 'volume_id', 'is_incremental', 'created_at'];

/** What the VBS API takes as a name and a description (its edge refuses anything else). */
const VBS_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const fitsVbs = (name: string | undefined, description: string | undefined) =>
  (name === undefined || (VBS_NAME.test(name) && !name.toLowerCase().startsWith('auto'))) && (description === undefined || (description.length <= 64 && !/[<>]/.test(description)));

/** A name for a backup the user did not name: the VBS API needs one. */
function defaultName(now = new Date()): string {
  return `backup-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
}

export async function getBackup(session: Session, id: string): Promise<BackupView> {
  return (await session.request<{ backup: BackupView }>('GET', 'volumev3', `/backups/${id}`)).backup;
}

/** The progress of a backup as the /v2 view tells it (the v3 view leaves service_metadata out). */
async function backupPercent(session: Session, id: string): Promise<number | null> {
  return backupProgress((await session.request<{ backup: BackupView }>('GET', 'volumev2', `/backups/${id}`)).backup);
}

/** Follows a backup made without a job (Cinder's API) by its status until available or error. */
async function waitForBackup(ctx: ClientContext, id: string, label: string): Promise<BackupView> {
  const display = ctx.progress(label);
  let last: BackupView | null;
  let outcome: 'done' | 'failed';
  try {
    let percent: number | null = null;
    ({ outcome, last } = await followResource(
      async () => {
        const b = await getBackup(ctx.session, id);
        percent = b.status === 'creating' ? await backupPercent(ctx.session, id) : null;
        return b;
      },
      (b) => (b.status === 'available' ? 'done' : b.status.startsWith('error') ? 'failed' : 'running'),
      { display, percent: () => percent },
    ));
  } finally {
    display.stop();
  }
  if (outcome === 'failed') throw new JobFailure(`backup ${id} failed: it is ${last?.status}: ${last?.fail_reason ?? 'no reason given'}`);
  return last!;
}

async function jobOf(session: Session, jobId: string): Promise<JobView> {
  return session.request<JobView>('GET', 'jobs', `/jobs/${jobId}`);
}

interface CreateOptions {
  name?: string;
  description?: string;
  incremental?: boolean;
  force?: boolean;
  snapshot?: string;
  wait?: boolean;
}

async function createBackup(ctx: ClientContext, volumeRef: string, o: CreateOptions): Promise<void> {
  const volume = await findVolume(ctx.session, volumeRef);
  const snapshotId = o.snapshot ?? undefined;
  if (!o.incremental && !o.force && fitsVbs(o.name, o.description)) {
    // The VBS API: a job id, so --wait shows the job's progress and ends with its error code.
    // It backs up an attached volume as it is, so it needs no force flag.
    const name = o.name ?? defaultName();
    const { job_id } = await ctx.session.request<{ job_id: string }>('POST', 'vbs', '/cloudbackups', {
      body: { backup: { volume_id: volume.id, name, description: o.description, snapshot_id: snapshotId } },
    });
    if (!o.wait) {
      const job = await jobOf(ctx.session, job_id);
      ctx.record({ job_id, backup_id: job.entities.backup_id ?? null, volume_id: volume.id, name, status: job.status });
      return;
    }
    const job = await awaitJob(ctx, job_id, `backup ${name}`);
    ctx.record({ ...(await getBackup(ctx.session, job.entities.backup_id!)), job_id });
    return;
  }
  // Cinder's API: the only one with the incremental and force flags and with names and
  // descriptions the VBS API refuses (spaces, 255 characters). It gives no job: --wait follows
  // the backup's status and its progress in service_metadata.
  const { backup } = await ctx.session.request<{ backup: { id: string } }>('POST', 'volumev3', '/backups', {
    body: { backup: { volume_id: volume.id, name: o.name, description: o.description, incremental: o.incremental ?? false, force: o.force ?? false, snapshot_id: snapshotId } },
  });
  ctx.record(o.wait ? await waitForBackup(ctx, backup.id, `backup ${o.name ?? backup.id}`) : await getBackup(ctx.session, backup.id));
}

interface ListOptions {
  volume?: string;
  status?: string;
  name?: string;
  limit?: number;
  marker?: string;
  all?: boolean;
}

async function listBackups(ctx: ClientContext, o: ListOptions): Promise<void> {
  if (o.all && (o.limit !== undefined || o.marker !== undefined)) throw new ClientError('give --all, or --limit and --marker, not both');
  const volumeId = o.volume ? (await findVolume(ctx.session, o.volume)).id : undefined;
  const rows: BackupView[] = [];
  let marker = o.marker;
  for (;;) {
    const page = await ctx.session.request<{ backups: BackupView[]; backups_links?: Array<{ rel: string; href: string }> }>('GET', 'volumev3', '/backups/detail', {
      query: { volume_id: volumeId, status: o.status, name: o.name, limit: o.limit, marker },
    });
    rows.push(...page.backups);
    const next = page.backups_links?.find((l) => l.rel === 'next');
    if (!o.all || !next || page.backups.length === 0) break;
    marker = page.backups[page.backups.length - 1].id;
  }
  ctx.list(rows, BACKUP_COLUMNS);
}

async function restoreBackup(ctx: ClientContext, ref: string, o: { volume?: string; new?: boolean; name?: string; wait?: boolean }): Promise<void> {
  if (!!o.volume === !!o.new) throw new ClientError('say where to restore: --volume VOLUME (an existing one) or --new [--name NAME]');
  if (o.name && !o.new) throw new ClientError('--name names a new volume: give it with --new');
  const backup = await findBackup(ctx.session, ref);
  if (o.volume) {
    // The VBS restore: a job, whose progress and outcome --wait follows.
    const volume = await findVolume(ctx.session, o.volume);
    const { job_id } = await ctx.session.request<{ job_id: string }>('POST', 'vbs', `/cloudbackups/${backup.id}/restore`, { body: { restore: { volume_id: volume.id } } });
    if (!o.wait) {
      ctx.record({ job_id, backup_id: backup.id, volume_id: volume.id });
      return;
    }
    await awaitJob(ctx, job_id, `restore ${backup.name ?? backup.id}`);
    ctx.record({ ...(await getVolume(ctx.session, volume.id)), job_id });
    return;
  }
  // Into a new volume only Cinder's restore can: without volume_id it makes the volume. It
  // also takes a backup shared with the project. No job: --wait follows the new volume.
  const { restore } = await ctx.session.request<{ restore: { backup_id: string; volume_id: string; volume_name: string | null } }>('POST', 'volumev3', `/backups/${backup.id}/restore`, {
    body: { restore: { name: o.name ?? null } },
  });
  ctx.record(o.wait ? await waitForVolume(ctx, restore.volume_id, `restore ${backup.name ?? backup.id}`) : { ...restore });
}

async function deleteBackup(ctx: ClientContext, ref: string, o: { wait?: boolean }): Promise<void> {
  const backup = await findBackup(ctx.session, ref);
  // The VBS delete answers a job: --wait ends with its outcome, a refusal of the store included.
  const { job_id } = await ctx.session.request<{ job_id: string }>('POST', 'vbs', `/cloudbackups/${backup.id}`);
  if (o.wait) await awaitJob(ctx, job_id, `delete ${backup.name ?? backup.id}`);
  ctx.record({ id: backup.id, name: backup.name, job_id, status: o.wait ? 'deleted' : 'deleting' });
}

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('backups of volumes: create, list, show, delete, restore').helpGroup(CLIENT_GROUP);

  clientAction<CreateOptions>(
    clientCommand(backup, 'create <volume>', 'back up a volume (id or name); with --wait, exit status 0 only if the backup succeeded')
      .option('--name <name>', 'backup name (default: backup-<UTC time>)')
      .option('--description <text>', 'description')
      .option('--incremental', "ask for an incremental backup (Cinder's API; every backup after a volume's first is incremental anyway)")
      .option('--force', "back up an attached (in-use) volume through Cinder's API")
      .option('--snapshot <id>', 'back up this snapshot of the volume instead')
      .option('--wait', 'wait for the backup to end, showing its progress'),
    (ctx, [volume], o) => createBackup(ctx, volume, o),
  );

  clientAction<ListOptions>(
    clientCommand(backup, 'list', "list the project's backups, newest first")
      .option('--volume <volume>', 'only backups of this volume (id or name)')
      .option('--status <status>', 'only backups in this status')
      .option('--name <name>', 'only backups of this name')
      .option('--limit <n>', 'at most this many (a page)', count('--limit', 1))
      .option('--marker <id>', 'the page after this backup')
      .option('--all', 'every page'),
    (ctx, _args, o) => listBackups(ctx, o),
  );

  clientAction(clientCommand(backup, 'show <backup>', 'show a backup (id or name)'), async (ctx, [ref]) => {
    ctx.record(await findBackup(ctx.session, ref));
  });

  clientAction<{ wait?: boolean }>(
    clientCommand(backup, 'delete <backup>', 'delete a backup (id or name)').option('--wait', 'wait for the delete job to end'),
    (ctx, [ref], o) => deleteBackup(ctx, ref, o),
  );

  clientAction<{ volume?: string; new?: boolean; name?: string; wait?: boolean }>(
    clientCommand(backup, 'restore <backup>', 'restore a backup (id or name, also one shared with the project) into a volume')
      .option('--volume <volume>', 'into this existing, available volume (id or name), at least as large as the backup')
      .option('--new', 'into a new volume of the backup size')
      .option('--name <name>', 'name of the new volume')
      .option('--wait', 'wait for the restore to end, showing its progress'),
    (ctx, [ref], o) => restoreBackup(ctx, ref, o),
  );
}
