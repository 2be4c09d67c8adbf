import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api/api.js';
import type { Session } from './api/session.js';

export interface SessionContextValue {
  session: Session;
  /** The logged-in client and project, for the api/ helpers. */
  api: Api;
  logOut: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSessionContext(): SessionContextValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('a page rendered outside the logged-in shell');
  return v;
}

/** The API of the logged-in user: pass it to the helpers of api/ (listVolumes(api) ...). */
export function useApi(): Api {
  return useSessionContext().api;
}

export function useSession(): Session {
  return useSessionContext().session;
}
