import { Command } from 'commander';
import { ConfigError } from '../common/config.js';
import { DatabaseOpenError } from '../db/errors.js';
import { DomainError } from '../services/common/errors.js';
import { IdentityError } from '../services/identity/identity.js';
import { StoreUnavailableError } from '../stores/block-store.js';
import { registerAdminCommands } from './admin.js';
import { registerEngineCommands } from './engine-commands.js';
import { registerVolumeCommands } from './volume-commands.js';
import { CliError } from './errors.js';
import { ClientError } from '../client/errors.js';
import { registerClientCommands } from './client-commands/index.js';
import { SERVER_GROUP } from './help-groups.js';

const program = new Command();
program.name('vbs').description('Volume Backup Service').showHelpAfterError();
const volume = registerClientCommands(program);
program.commandsGroup(SERVER_GROUP);
program.command('serve').description('start the HTTP service (settings from VBS_* environment variables)').action(async () => (await import('./serve.js')).serve());
registerAdminCommands(program);
registerEngineCommands(program);
registerVolumeCommands(volume);

// Errors a user can cause end the process with one clear line and a non-zero exit.
const EXPECTED = [CliError, ClientError, ConfigError, DatabaseOpenError, DomainError, IdentityError, StoreUnavailableError];

program.parseAsync(process.argv).catch((err: unknown) => {
  if (EXPECTED.some((cls) => err instanceof cls)) {
    console.error(`vbs: ${(err as Error).message}`);
  } else {
    console.error(`vbs: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
  }
  process.exit(1);
});
