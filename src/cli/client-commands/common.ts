/** What every client command shares: its options, its session, and how it prints. */
import { Option, type Command } from 'commander';
import { resolveCredentials } from '../../client/credentials.js';
import { ClientError } from '../../client/errors.js';
import { FORMATS, renderList, renderRecord, type Format, type OutputOptions, type Row } from '../../client/output.js';
import { progressDisplay, type ProgressDisplay } from '../../client/progress.js';
import { Session } from '../../client/session.js';

import { CLIENT_GROUP } from '../help-groups.js';

export { CLIENT_GROUP };

export interface ClientOptions {
  osCloud?: string;
  format: Format;
  column: string[];
}

export interface ClientContext {
  session: Session;
  output: OutputOptions;
  record(r: Row): void;
  list(rows: Row[], defaults: string[]): void;
  /** A progress display for --wait, labelled with what is awaited. */
  progress(label: string): ProgressDisplay;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** --os-cloud, given anywhere on the command line (commander lets a program option follow subcommands). */
export function addCloudOption(program: Command): void {
  program.addOption(new Option('--os-cloud <name>', 'client commands: a cloud of clouds.yaml (default: $OS_CLOUD, else the OS_* variables)'));
}

/** A client subcommand with its -f and -c, listed in the HTTP group of the help. */
export function clientCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .helpGroup(CLIENT_GROUP)
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .addOption(new Option('-c, --column <field>', 'show this field only (repeatable)').argParser(collect).default([]));
}

function print(text: string): void {
  if (text !== '') process.stdout.write(`${text}\n`);
}

/**
 * The action of a client command: `work` gets the positional arguments, the options and a
 * context; every error it throws is reported by main.ts as one line.
 */
export function clientAction<O extends object>(cmd: Command, work: (ctx: ClientContext, args: string[], opts: O & ClientOptions) => Promise<void>): Command {
  return cmd.action(async function (this: Command) {
    const opts = this.optsWithGlobals<O & ClientOptions>();
    const session = new Session(resolveCredentials(opts.osCloud));
    const output: OutputOptions = { format: opts.format, columns: opts.column };
    const ctx: ClientContext = {
      session,
      output,
      record: (r) => print(renderRecord(r, output)),
      list: (rows, defaults) => print(renderList(rows, defaults, output)),
      progress: (label) => progressDisplay(label),
    };
    await work(ctx, this.processedArgs as string[], opts);
  });
}

/** A whole number option, checked before anything is sent. */
export function count(name: string, min = 0): (raw: string) => number {
  return (raw: string) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min) throw new ClientError(`${name} must be a whole number of at least ${min}, got "${raw}"`);
    return Number(raw);
  };
}
