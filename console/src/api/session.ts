/**
 * Who is logged in. The token lives in memory and in sessionStorage (it survives a reload of the
 * tab, not the tab's closing) and never in a cookie, so no other site's request can carry it.
 */
export interface Session {
  token: string;
  projectId: string;
  projectName: string;
  userName: string;
  roles: string[];
  /** The token's is_admin_project: with the admin role, a cloud administrator. */
  isAdminProject?: boolean;
  expiresAt: string;
}

const KEY = 'vbs-console-session';

export function loadSession(): Session | null {
  try {
    const text = sessionStorage.getItem(KEY);
    if (!text) return null;
    const s = JSON.parse(text) as Session;
    return typeof s.token === 'string' && typeof s.projectId === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
