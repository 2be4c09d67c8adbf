/** `vbs volume list|create|show|delete`: Cinder v3 volumes of the project. */
import type { Command } from 'commander';
import { JobFailure } from '../../client/errors.js';
import { findBackup, findVolume } from '../../client/lookup.js';
import type { Session } from '../../client/session.js';
import { followResource, type VolumeView } from '../../client/waiting.js';
import { clientAction, clientCommand, count, type ClientContext } from './common.js';

export const VOLUME_COLUMNS = ['id', 'name', 'status', 'size', 'volume_type'];

/** Follows a volume being made (created, or restored into) until it is usable or broken. */
export async function waitForVolume(ctx: ClientContext, volumeId: string, what: string): Promise<VolumeView> {
  const display = ctx.progress(what);
  try {
    const { outcome, last } = await followResource(
      () => getVolume(ctx.session, volumeId),
      (v) => (v.status === 'available' || v.status === 'in-use' ? 'done' : v.status.startsWith('error') ? 'failed' : 'running'),
      { display },
    );
    if (outcome === 'failed') throw new JobFailure(`${what} failed: volume ${volumeId} is ${last?.status}`);
    return last!;
  } finally {
    display.stop();
  }
}

export async function getVolume(session: Session, id: string): Promise<VolumeView> {
  return (await session.request<{ volume: VolumeView }>('GET', 'volumev3', `/volumes/${id}`)).volume;
}

export function registerClientVolumeCommands(volume: Command): void {
  clientAction<{ name?: string; status?: string; limit?: number; marker?: string }>(
    clientCommand(volume, 'list', "list the project's volumes")
      .option('--name <name>', 'only volumes of this name')
      .option('--status <status>', 'only volumes in this status')
      .option('--limit <n>', 'at most this many', count('--limit', 1))
      .option('--marker <id>', 'the page after this volume'),
    async (ctx, _args, o) => {
      const r = await ctx.session.request<{ volumes: VolumeView[] }>('GET', 'volumev3', '/volumes/detail', { query: { name: o.name, status: o.status, limit: o.limit, marker: o.marker } });
      ctx.list(r.volumes, VOLUME_COLUMNS);
    },
  );

  clientAction<{ size: number; type?: string; description?: string; backup?: string; wait?: boolean }>(
    clientCommand(volume, 'create <name>', 'create a volume (empty, or from a backup with --backup)')
      .requiredOption('--size <GiB>', 'size in GiB', count('--size', 1))
      .option('--type <type>', 'SATA, SAS or SSD')
      .option('--description <text>', 'description')
      .option('--backup <backup>', 'fill it from this backup (id or name; also one shared with the project)')
      .option('--wait', 'wait until the volume is available'),
    async (ctx, [name], o) => {
      const backupId = o.backup ? (await findBackup(ctx.session, o.backup)).id : undefined;
      const body = { volume: { name, size: o.size, volume_type: o.type, description: o.description, ...(backupId ? { backup_id: backupId } : {}) } };
      // backup_id in a volume create is Cinder's microversion 3.47.
      const r = await ctx.session.request<{ volume: VolumeView }>('POST', 'volumev3', '/volumes', { body, microversion: backupId ? '3.47' : undefined });
      ctx.record(o.wait ? await waitForVolume(ctx, r.volume.id, `volume ${name}`) : r.volume);
    },
  );

  clientAction(clientCommand(volume, 'show <volume>', 'show a volume (id or name)'), async (ctx, [ref]) => {
    ctx.record(await findVolume(ctx.session, ref));
  });

  clientAction<{ wait?: boolean }>(
    clientCommand(volume, 'delete <volume>', 'delete a volume (id or name)').option('--wait', 'wait until it is gone'),
    async (ctx, [ref], o) => {
      const v = await findVolume(ctx.session, ref);
      await ctx.session.request('DELETE', 'volumev3', `/volumes/${v.id}`);
      if (o.wait) {
        const display = ctx.progress(`delete volume ${v.name ?? v.id}`);
        try {
          const { outcome, last } = await followResource(
            () => getVolume(ctx.session, v.id),
            (x) => (x.status.startsWith('error') ? 'failed' : 'running'),
            { display, goneIsDone: true },
          );
          if (outcome === 'failed') throw new JobFailure(`delete of volume ${v.id} failed: it is ${last?.status}`);
        } finally {
          display.stop();
        }
      }
      ctx.record({ id: v.id, name: v.name, status: o.wait ? 'deleted' : 'deleting' });
    },
  );
}
