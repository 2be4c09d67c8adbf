import { ApiClient } from './client.js';
import { ApiError } from './errors.js';
import type { Session } from './session.js';

interface TokenBody {
  token: {
    expires_at: string;
    user: { name: string };
    project?: { id: string; name: string };
    roles?: Array<{ name: string }>;
    is_admin_project?: boolean;
  };
}

export interface Credentials {
  user: string;
  password: string;
  project: string;
  domain: string;
}

/** Keystone password authentication, scoped to a project by name: the session it opens. */
export async function logIn(c: Credentials): Promise<Session> {
  const reply = await new ApiClient(null).request<TokenBody>('POST', '/identity/v3/auth/tokens', {
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.user, domain: { name: c.domain }, password: c.password } } },
        scope: { project: { name: c.project, domain: { name: c.domain } } },
      },
    },
  });
  const token = reply.headers.get('x-subject-token');
  const project = reply.body.token.project;
  if (!token || !project) throw new ApiError('The identity service issued no project-scoped token.', reply.status, 'identity');
  return {
    token,
    projectId: project.id,
    projectName: project.name,
    userName: reply.body.token.user.name,
    roles: (reply.body.token.roles ?? []).map((r) => r.name),
    isAdminProject: reply.body.token.is_admin_project === true,
    expiresAt: reply.body.token.expires_at,
  };
}

/** Revokes the token: a copy of it left anywhere is worth nothing after logout. */
export async function logOut(session: Session): Promise<void> {
  await new ApiClient(session.token).request('DELETE', '/identity/v3/auth/tokens', { headers: { 'x-subject-token': session.token } });
}
