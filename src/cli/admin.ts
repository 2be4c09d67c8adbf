import type { Command } from 'commander';
import { loadConfig } from '../common/config.js';
import type { Services } from '../container.js';
import { isRole } from '../services/identity/roles.js';
import { CliError } from './errors.js';

/** Runs `work` over the same data dir and database as the server, then closes them. */
export async function withServices<T>(work: (s: Services) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const where = config.databaseUrl ? 'the PostgreSQL database of VBS_DATABASE_URL' : `the data directory ${config.dataDir}`;
  const notSetUp = new CliError(`no service has been set up in ${where} yet: start \`vbs serve\` on it once first`);
  // Loaded here, not at the top: a command that talks HTTP starts without the server's modules.
  const [{ createServices }, { databaseExists }] = await Promise.all([import('../container.js'), import('../db/connect.js')]);
  // Opening would create the database (and the data dir): only `vbs serve` sets a service up.
  if (!(await databaseExists(config.databaseUrl, config.dataDir))) throw notSetUp;
  const services = await createServices(config);
  try {
    if (!(await services.identity.isBootstrapped())) throw notSetUp;
    return await work(services);
  } finally {
    await services.close();
  }
}

function table(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return '(none)';
  const keys = Object.keys(rows[0]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(keys), ...rows.map((r) => line(keys.map((k) => r[k])))].join('\n');
}

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('manage projects, users and access keys');

  const project = admin.command('project').description('projects');
  project
    .command('create <name>')
    .description('create a project; prints its id last')
    .option('--description <text>', 'description', '')
    .action((name: string, opts: { description: string }) =>
      withServices(async (s) => {
        const p = await s.identity.createProject(name, opts.description);
        console.log(`created project ${p.name} ${p.id}`);
      }),
    );
  project
    .command('list')
    .description('list projects')
    .action(() =>
      withServices(async (s) => {
        const rows = (await s.identity.listProjects()).map((p) => ({ id: p.id, name: p.name, domain: p.domain_id, enabled: String(p.enabled) }));
        console.log(table(rows));
      }),
    );

  const user = admin.command('user').description('users');
  user
    .command('create <name>')
    .description('create a user with a role on a project; prints its id last')
    .requiredOption('--password <password>', 'the password')
    .requiredOption('--project <project>', 'project id or name')
    .option('--role <role>', 'admin, member or reader', 'member')
    .action((name: string, opts: { password: string; project: string; role: string }) =>
      withServices(async (s) => {
        if (!isRole(opts.role)) throw new CliError(`role must be admin, member or reader, got "${opts.role}"`);
        const p = await s.identity.findProject(opts.project);
        if (!p) throw new CliError(`project "${opts.project}" does not exist`);
        const u = await s.identity.createUser(name, opts.password, p.id, opts.role);
        console.log(`created user ${u.name} with role ${opts.role} on project ${p.name} ${u.id}`);
      }),
    );
  user
    .command('list')
    .description('list users and their roles')
    .action(() =>
      withServices(async (s) => {
        const projects = new Map((await s.identity.listProjects()).map((p) => [p.id, p.name]));
        const rows = (await s.identity.listUsers()).map((u) => ({
          id: u.id,
          name: u.name,
          roles: u.roles.map((r) => `${r.role}@${projects.get(r.project_id) ?? r.project_id}`).join(',') || '-',
          enabled: String(u.enabled),
        }));
        console.log(table(rows));
      }),
    );

  admin
    .command('reindex')
    .description('rebuild the backup catalogue from the block store: every manifest becomes an available backup')
    .action(() =>
      withServices(async (s) => {
        const { reindex } = await import('../services/backups/catalogue.js');
        const r = await reindex(s.database.db, s.store, s.clock.now());
        console.log(
          `read ${r.manifests} manifests of ${r.projects} projects in ${s.store.description}: ${r.restored} backups restored to the catalogue, ` +
            `${r.orphaned} without a manifest marked error`,
        );
      }),
    );

  admin
    .command('credential')
    .description('access keys (AK/SK)')
    .command('create')
    .description('create an access key for a user; the secret is shown only once')
    .requiredOption('--user <name>', 'user name')
    .option('--project <project>', 'project id or name (default: the user\'s project)')
    .action((opts: { user: string; project?: string }) =>
      withServices(async (s) => {
        const c = await s.identity.createCredential(opts.user, opts.project);
        console.log(`AK: ${c.access}\nSK: ${c.secret}\nproject: ${c.project_id}\nThe secret key is not shown again; keep it safe.`);
      }),
    );
}
