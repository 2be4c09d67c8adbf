import { useState } from 'preact/hooks';
import { createUser, deleteUser, listProjects, listRoles, listUsers, type User } from '../../api/admin.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Form, SelectField, TextField } from '../../components/Form.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { useApi } from '../../session-context.js';

export function UsersSection({ changes, onChanged }: { changes: number; onChanged: () => void }) {
  const api = useApi();
  const data = useLoad(async () => {
    const [users, projects, roles] = await Promise.all([listUsers(api), listProjects(api), listRoles(api)]);
    return { users, projects, roles };
  }, [changes]);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [projectId, setProjectId] = useState('');
  const [roleId, setRoleId] = useState('');
  const create = useAction(() => createUser(api, { name, password, projectId, roleId }));
  const remove = useAction((id: string) => deleteUser(api, id));
  const projectName = (id: string | undefined) => data.data?.projects.find((p) => p.id === id)?.name ?? id ?? '—';
  return (
    <section aria-labelledby="admin-users">
      <h2 id="admin-users">Users</h2>
      <Form
        label="Create user"
        submit="Create user"
        busy={create.busy}
        error={create.error}
        onSubmit={async () => {
          if (await create.run()) {
            setName('');
            setPassword('');
            onChanged();
          }
        }}
      >
        <TextField label="User name" value={name} onValue={setName} required autocomplete="off" />
        <TextField label="New user's password" type="password" value={password} onValue={setPassword} required autocomplete="new-password" />
        <SelectField label="User's project" value={projectId} onValue={setProjectId} required options={[{ value: '', label: 'Choose a project' }, ...(data.data?.projects ?? []).map((p) => ({ value: p.id, label: p.name }))]} />
        <SelectField label="Role on the project" value={roleId} onValue={setRoleId} required options={[{ value: '', label: 'Choose a role' }, ...(data.data?.roles ?? []).map((r) => ({ value: r.id, label: r.name }))]} />
      </Form>
      <ErrorAlert error={data.error} />
      <ErrorAlert error={remove.error} />
      <DataTable<User>
        caption="Users"
        rows={data.data?.users ?? []}
        rowKey={(u) => u.id}
        empty={data.loading ? 'Loading…' : 'No users.'}
        columns={[
          { label: 'Name', render: (u) => u.name },
          { label: 'ID', render: (u) => <code>{u.id}</code> },
          { label: 'Default project', render: (u) => projectName(u.default_project_id) },
          { label: 'Enabled', render: (u) => (u.enabled ? 'yes' : 'no') },
          {
            label: 'Actions',
            render: (u) => (
              <ConfirmButton
                label="Delete"
                question={`Delete user ${u.name}?`}
                onConfirm={async () => {
                  await remove.run(u.id);
                  onChanged();
                }}
              />
            ),
          },
        ]}
      />
    </section>
  );
}
