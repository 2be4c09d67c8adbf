/** The end-user commands of `vbs`: they talk to a running service over HTTP, nothing else. */
import type { Command } from 'commander';
import { registerBackupCommands } from './backups.js';
import { addCloudOption } from './common.js';
import { registerJobCommands } from './jobs.js';
import { registerLogin } from './login.js';
import { registerPolicyCommands } from './policies.js';
import { registerShareCommands } from './shares.js';
import { registerClientVolumeCommands } from './volumes.js';

import { CLIENT_GROUP } from '../help-groups.js';

/**
 * Registers every client command; returns `volume`, which the server-side import, export and
 * path join.
 */
export function registerClientCommands(program: Command): Command {
  addCloudOption(program);
  registerLogin(program);
  const volume = program
    .command('volume')
    .description('volumes: list, create, show and delete over HTTP; import, export and path on the data directory')
    .helpGroup(CLIENT_GROUP);
  registerClientVolumeCommands(volume);
  registerBackupCommands(program);
  registerJobCommands(program);
  registerPolicyCommands(program);
  registerShareCommands(program);
  return volume;
}
