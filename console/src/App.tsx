import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient } from './api/client.js';
import { messageOf } from './api/errors.js';
import { logOut } from './api/identity.js';
import { clearSession, loadSession, saveSession, type Session } from './api/session.js';
import { Link } from './components/Link.js';
import { LoginPage } from './pages/LoginPage.js';
import { PAGES } from './pages/registry.js';
import { matchPath, useLocation } from './router.js';
import { SessionContext, useSessionContext, type SessionContextValue } from './session-context.js';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const context = useMemo<SessionContextValue | null>(() => {
    if (!session) return null;
    const endSession = (message?: string) => {
      clearSession();
      setSession(null);
      setNotice(message);
    };
    // A 401 on a token is an expired or revoked one: back to the login form, saying why.
    const client = new ApiClient(session.token, (err) => endSession(`Your session ended (${messageOf(err)}): log in again.`));
    return {
      session,
      api: { client, projectId: session.projectId },
      logOut: () => {
        // The token is revoked on the server; the form shows at once whatever the answer.
        logOut(session).catch(() => undefined);
        endSession('You are logged out.');
      },
    };
  }, [session]);

  if (!context) {
    return (
      <LoginPage
        notice={notice}
        onLogin={(s) => {
          saveSession(s);
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={context}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const ctx = useSessionContext();
  const { path, query } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  let page = PAGES[0];
  let params: Record<string, string> | null = null;
  for (const p of PAGES) {
    params = matchPath(p.path, path);
    if (params) {
      page = p;
      break;
    }
  }
  const title = params ? page.title : 'Not found';
  useEffect(() => {
    document.title = `${title} · VBS console`;
    setMenuOpen(false);
  }, [path, title]);
  const Page = page.component;
  const section = '/' + (path.split('/')[1] ?? '');
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">VBS console</span>
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <span class="who">
          {ctx.session.userName} · {ctx.session.projectName}
        </span>
        <button type="button" class="logout" onClick={ctx.logOut}>
          Log out
        </button>
      </header>
      <nav id="nav" class={menuOpen ? 'nav open' : 'nav'} aria-label="Main">
        <ul>
          {PAGES.filter((p) => p.nav && (!p.shownTo || p.shownTo(ctx.session))).map((p) => (
            <li key={p.path}>
              <Link to={p.path} current={p.path === section}>
                {p.nav}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        <h1>{title}</h1>
        {params ? <Page params={params} query={query} key={path} /> : <p>No page at {path}.</p>}
      </main>
    </div>
  );
}
