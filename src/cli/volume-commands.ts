import { createVolumeCommand } from '../services/volumes/volume-commands.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../common/errors.js';
import { DomainError } from '../services/common/errors.js';
import { GiB } from '../volumes/driver.js';
import { withServices } from './admin.js';
import { CliError } from './errors.js';
import { SERVER_GROUP } from './help-groups.js';
import { byteProgress } from '../client/progress.js';

async function fileSize(file: string): Promise<number> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new CliError(`${file} is not a regular file`);
    return st.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Runs a copy of `total` bytes with its progress on stderr: a bar on a terminal, a line per tenth otherwise. */
async function withCopyProgress<T>(label: string, total: number, copy: (onBytes: (done: number) => void) => Promise<T>): Promise<T> {
  const { onBytes, display } = byteProgress(label, total);
  try {
    return await copy(onBytes);
  } finally {
    display.stop();
  }
}

/** Service errors become one clear line, as every other expected CLI error. */
async function asCli<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiError || err instanceof DomainError) throw new CliError(err.message);
    throw err;
  }
}

/** import, export and path: beside the client's volume commands, in a help group of their own. */
export function registerVolumeCommands(volume: Command): void {
  volume.commandsGroup(SERVER_GROUP);

  volume
    .command('import <file>')
    .description('copy a raw image into a new volume (--name, --project) or over an available one (--volume); prints the volume id last')
    .option('--name <name>', 'name of the new volume')
    .option('--project <project>', 'project id or name of the new volume')
    .option('--type <type>', 'volume type of the new volume: SATA, SAS or SSD', 'SATA')
    .option('--volume <id>', 'overwrite this existing, available volume instead')
    .action((file: string, opts: { name?: string; project?: string; type: string; volume?: string }) =>
      withServices((s) =>
        asCli(async () => {
          const bytes = await fileSize(file);
          if (opts.volume) {
            if (opts.name || opts.project) throw new CliError('give either --volume or --name and --project, not both');
            const v = await withCopyProgress(`import ${path.basename(file)}`, bytes, (onBytes) => s.volumes.overwrite(opts.volume!, path.resolve(file), bytes, onBytes));
            console.log(`imported ${bytes} bytes from ${file} into volume ${v.id}`);
            return;
          }
          if (!opts.name || !opts.project) throw new CliError('a new volume needs --name and --project (or give --volume ID to overwrite one)');
          const project = await s.identity.findProject(opts.project);
          if (!project) throw new CliError(`project "${opts.project}" does not exist`);
          const sizeGiB = Math.max(1, Math.ceil(bytes / GiB));
          const caller = { projectId: project.id, userId: null, admin: true };
          const v = await withCopyProgress(`import ${path.basename(file)}`, bytes, (onBytes) =>
            s.volumes.create(caller, createVolumeCommand({ name: opts.name!, size: sizeGiB, volumeType: opts.type }), (id, size) =>
              s.volumeDriver.importVolume(id, path.resolve(file), size, onBytes),
            ),
          );
          console.log(`imported ${bytes} bytes from ${file} into a new ${sizeGiB} GiB ${v.volumeType} volume ${v.name} ${v.id}`);
        }),
      ),
    );

  volume
    .command('export <id> <file>')
    .description('copy a volume into a sparse raw image file')
    .action((id: string, file: string) =>
      withServices((s) =>
        asCli(async () => {
          const v = await s.volumes.find(id);
          const bytes = await s.volumeDriver.sizeBytes('volume', v.id);
          await withCopyProgress(`export ${v.name ?? v.id}`, bytes, (onBytes) => s.volumeDriver.exportImage('volume', v.id, path.resolve(file), onBytes));
          console.log(`exported volume ${v.id} (${v.size} GiB) to ${file}`);
        }),
      ),
    );

  volume
    .command('path <id>')
    .description("print the path of a volume's raw image")
    .action((id: string) =>
      withServices((s) =>
        asCli(async () => {
          const v = await s.volumes.find(id);
          console.log(s.volumeDriver.path('volume', v.id));
        }),
      ),
    );
}
