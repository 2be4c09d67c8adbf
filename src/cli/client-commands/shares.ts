/** `vbs share create|list|delete`: backups shared with other projects (the sharing API). */
import type { Command } from 'commander';
import { ApiFailure, ClientError } from '../../client/errors.js';
import { findBackup } from '../../client/lookup.js';
import type { Session } from '../../client/session.js';
import { CLIENT_GROUP, clientAction, clientCommand } from './common.js';

interface ShareView {
  id: string;
  backup_id: string;
  from_project_id: string;
  to_project_id: string;
  backup?: { name: string | null; status: string; size: number; volume_id: string };
  [field: string]: unknown;
}

const PROJECT_ID = /^[0-9a-f]{32}$/;

/** A project id as given; a name only an administrator can look up (Keystone lists projects to admins). */
async function projectId(session: Session, ref: string): Promise<string> {
  if (PROJECT_ID.test(ref)) return ref;
  try {
    const r = await session.request<{ projects: Array<{ id: string; name: string }> }>('GET', 'identity', '/projects', { query: { name: ref } });
    if (r.projects.length === 1) return r.projects[0].id;
  } catch (err) {
    if (!(err instanceof ApiFailure && err.status === 403)) throw err;
  }
  throw new ClientError(`no project "${ref}" found: give the project id (32 hex digits; its members see it with \`vbs login\`)`);
}

function flat(s: ShareView): Record<string, unknown> {
  return { id: s.id, backup_id: s.backup_id, backup_name: s.backup?.name ?? null, backup_status: s.backup?.status ?? null, from_project_id: s.from_project_id, to_project_id: s.to_project_id };
}

export function registerShareCommands(program: Command): void {
  const share = program.command('share').description('backups shared with other projects').helpGroup(CLIENT_GROUP);

  clientAction<{ project: string[] }>(
    clientCommand(share, 'create <backup>', 'share a backup (id or name) with other projects; they can restore it')
      .requiredOption('--project <project>', 'a project id to share with (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v]),
    async (ctx, [ref], o) => {
      const backup = await findBackup(ctx.session, ref);
      const to = await Promise.all(o.project.map((p) => projectId(ctx.session, p)));
      const r = await ctx.session.request<{ shared: ShareView[] }>('POST', 'vbs', '/os-vendor-backup-sharing', { body: { shared: { backup_id: backup.id, to_project_ids: to } } });
      ctx.list(r.shared, ['id', 'backup_id', 'to_project_id', 'created_at']);
    },
  );

  clientAction<{ toMe?: boolean; backup?: string }>(
    clientCommand(share, 'list', 'list the shares of this project (or, with --to-me, those made with it)')
      .option('--to-me', 'backups other projects share with this one')
      .option('--backup <id>', 'only shares of this backup'),
    async (ctx, _args, o) => {
      const r = await ctx.session.request<{ shared: ShareView[] }>('GET', 'vbs', '/os-vendor-backup-sharing/detail', { query: { share_to_me: o.toMe ? true : undefined, backup_id: o.backup } });
      ctx.list(ctx.output.format === 'json' ? r.shared : r.shared.map(flat), ['id', 'backup_id', 'backup_name', 'backup_status', 'from_project_id', 'to_project_id']);
    },
  );

  clientAction<{ backup?: boolean }>(
    clientCommand(share, 'delete <share>', 'stop sharing: one share, or with --backup every share of that backup id').option('--backup', 'the argument is a backup id'),
    async (ctx, [id], o) => {
      await ctx.session.request('DELETE', 'vbs', `/os-vendor-backup-sharing/${encodeURIComponent(id)}`, { query: { is_backup_id: o.backup ? true : undefined } });
      ctx.record({ id, status: 'deleted' });
    },
  );
}
