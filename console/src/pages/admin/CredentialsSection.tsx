import { useState } from 'preact/hooks';
import { createCredential, deleteCredential, listCredentials, listUsers, setCredentialStatus, type Credential, type NewCredential } from '../../api/admin.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Form, SelectField, TextField } from '../../components/Form.js';
import { formatTime } from '../../components/format.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { useApi } from '../../session-context.js';

/** A user's permanent access keys (AK/SK): the secret of a new key is shown once, here. */
export function CredentialsSection({ changes }: { changes: number }) {
  const api = useApi();
  const users = useLoad(() => listUsers(api), [changes]);
  const [userId, setUserId] = useState('');
  const [description, setDescription] = useState('');
  const [fresh, setFresh] = useState<NewCredential | undefined>(undefined);
  const keys = useLoad(() => (userId ? listCredentials(api, userId) : Promise.resolve([])), [userId]);
  const create = useAction(() => createCredential(api, userId, description));
  const change = useAction(async (c: Credential, action: 'toggle' | 'delete') => {
    if (action === 'delete') await deleteCredential(api, c.access);
    else await setCredentialStatus(api, c.access, c.status === 'active' ? 'inactive' : 'active');
    keys.reload();
  });
  return (
    <section aria-labelledby="admin-keys">
      <h2 id="admin-keys">Access keys (AK/SK)</h2>
      <div class="narrow">
        <SelectField
          label="Keys of user"
          value={userId}
          onValue={(u) => {
            setUserId(u);
            setFresh(undefined);
          }}
          options={[{ value: '', label: 'Choose a user' }, ...(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))]}
        />
      </div>
      <ErrorAlert error={users.error} />
      {userId ? (
        <Form
          label="Create access key"
          submit="Create access key"
          busy={create.busy}
          error={create.error}
          onSubmit={async () => {
            const made = await create.run();
            if (made) {
              setFresh(made);
              setDescription('');
              keys.reload();
            }
          }}
        >
          <TextField label="Key description" value={description} onValue={setDescription} maxLength={255} />
        </Form>
      ) : null}
      {fresh ? <SecretOnce credential={fresh} onDismiss={() => setFresh(undefined)} /> : null}
      <ErrorAlert error={keys.error} />
      <ErrorAlert error={change.error} />
      {userId ? (
        <DataTable<Credential>
          caption="Access keys of the user"
          rows={keys.data ?? []}
          rowKey={(c) => c.access}
          empty={keys.loading ? 'Loading…' : 'The user has no access key.'}
          columns={[
            { label: 'Access key', render: (c) => <code>{c.access}</code> },
            { label: 'Status', render: (c) => c.status },
            { label: 'Project', render: (c) => <code>{c.project_id}</code> },
            { label: 'Description', render: (c) => c.description || '—' },
            { label: 'Created', render: (c) => formatTime(c.create_time) },
            {
              label: 'Actions',
              render: (c) => (
                <span class="row-actions">
                  <button type="button" onClick={() => void change.run(c, 'toggle')}>
                    {c.status === 'active' ? 'Deactivate' : 'Activate'}
                  </button>
                  <ConfirmButton label="Delete" question={`Delete access key ${c.access}?`} onConfirm={() => void change.run(c, 'delete')} />
                </span>
              ),
            },
          ]}
        />
      ) : null}
    </section>
  );
}

function SecretOnce({ credential, onDismiss }: { credential: NewCredential; onDismiss: () => void }) {
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(credential.secret);
      setCopied('Copied.');
    } catch (e) {
      setCopied(`The browser refused the copy (${e instanceof Error ? e.message : String(e)}): select the secret and copy it by hand.`);
    }
  };
  return (
    <section class="secret-once" aria-label="New access key">
      <div class="alert alert-warn" role="alert">
        Copy the secret key now: it is shown this once and cannot be read again. Whoever has it acts as this user.
      </div>
      <dl class="details">
        <dt>Access key</dt>
        <dd>
          <code data-testid="new-access">{credential.access}</code>
        </dd>
        <dt>Secret key</dt>
        <dd>
          <code data-testid="new-secret">{credential.secret}</code>
        </dd>
      </dl>
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => void copy()}>
          Copy secret key
        </button>
        <button type="button" onClick={onDismiss}>
          I have stored it
        </button>
        <span aria-live="polite">{copied}</span>
      </div>
    </section>
  );
}
