import type { Command } from 'commander';
import { clientAction, clientCommand } from './common.js';

export function registerLogin(program: Command): void {
  clientAction(
    clientCommand(program, 'login', 'authenticate, show who and which project, and keep the token for the next commands'),
    async (ctx) => {
      const t = await ctx.session.login();
      ctx.record({
        user: t.user.name,
        user_id: t.user.id,
        project: t.project.name,
        project_id: t.project.id,
        expires_at: t.expiresAt,
        auth_url: ctx.session.credentials.authUrl,
      });
    },
  );
}
