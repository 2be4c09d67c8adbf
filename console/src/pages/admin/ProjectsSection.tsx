import { useState } from 'preact/hooks';
import { createProject, deleteProject, listProjects, type Project } from '../../api/admin.js';
import { ConfirmButton } from '../../components/Confirm.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Form, TextField } from '../../components/Form.js';
import { useAction, useLoad } from '../../components/hooks.js';
import { useApi } from '../../session-context.js';

export function ProjectsSection({ onChanged }: { onChanged: () => void }) {
  const api = useApi();
  const projects = useLoad(() => listProjects(api), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction(() => createProject(api, name, description));
  const remove = useAction((id: string) => deleteProject(api, id));
  return (
    <section aria-labelledby="admin-projects">
      <h2 id="admin-projects">Projects</h2>
      <Form
        label="Create project"
        submit="Create project"
        busy={create.busy}
        error={create.error}
        onSubmit={async () => {
          if (await create.run()) {
            setName('');
            setDescription('');
            projects.reload();
            onChanged();
          }
        }}
      >
        <TextField label="Project name" value={name} onValue={setName} required maxLength={64} />
        <TextField label="Project description" value={description} onValue={setDescription} />
      </Form>
      <ErrorAlert error={projects.error} />
      <ErrorAlert error={remove.error} />
      <DataTable<Project>
        caption="Projects"
        rows={projects.data ?? []}
        rowKey={(p) => p.id}
        empty={projects.loading ? 'Loading…' : 'No projects.'}
        columns={[
          { label: 'Name', render: (p) => p.name },
          { label: 'ID', render: (p) => <code>{p.id}</code> },
          { label: 'Description', render: (p) => p.description || '—' },
          { label: 'Enabled', render: (p) => (p.enabled ? 'yes' : 'no') },
          {
            label: 'Actions',
            render: (p) => (
              <ConfirmButton
                label="Delete"
                question={`Delete project ${p.name}?`}
                onConfirm={async () => {
                  await remove.run(p.id);
                  projects.reload();
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
