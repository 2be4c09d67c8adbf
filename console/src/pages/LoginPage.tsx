import { useState } from 'preact/hooks';
import { logIn } from '../api/identity.js';
import type { Session } from '../api/session.js';
import { Form, TextField } from '../components/Form.js';
import { useAction } from '../components/hooks.js';
import { Notice } from '../components/ErrorAlert.js';

/** Keystone password login, scoped to a project by name. */
export function LoginPage({ onLogin, notice }: { onLogin: (s: Session) => void; notice?: string }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [project, setProject] = useState('');
  const [domain, setDomain] = useState('Default');
  const action = useAction(logIn);
  return (
    <main class="login" id="main">
      <h1>Volume Backup Service</h1>
      {notice ? <Notice>{notice}</Notice> : null}
      <Form
        label="Log in"
        submit="Log in"
        busy={action.busy}
        error={action.error}
        onSubmit={async () => {
          const s = await action.run({ user, password, project: project || user, domain: domain || 'Default' });
          if (s) onLogin(s);
        }}
      >
        <TextField label="User name" value={user} onValue={setUser} autocomplete="username" required autoFocus />
        <TextField label="Password" type="password" value={password} onValue={setPassword} autocomplete="current-password" required />
        <TextField label="Project" value={project} onValue={setProject} hint="The project to work in; your user name when empty." />
        <TextField label="Domain" value={domain} onValue={setDomain} />
      </Form>
    </main>
  );
}
