import { useState } from 'preact/hooks';
import { addPolicyTag, removePolicyTag, type Tag } from '../../api/policies.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Form, TextField } from '../../components/Form.js';
import { useAction } from '../../components/hooks.js';
import { useApi } from '../../session-context.js';

export function PolicyTags({ policyId, tags, onChanged }: { policyId: string; tags: Tag[]; onChanged: () => void }) {
  const api = useApi();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const add = useAction(() => addPolicyTag(api, policyId, { key, value }));
  const remove = useAction((k: string) => removePolicyTag(api, policyId, k));
  return (
    <section aria-labelledby="policy-tags">
      <h2 id="policy-tags">Tags</h2>
      {tags.length === 0 ? <p class="muted">No tags.</p> : null}
      <ul class="tags">
        {tags.map((t) => (
          <li key={t.key}>
            <code>
              {t.key}={t.value}
            </code>{' '}
            <button
              type="button"
              class="danger"
              aria-label={`Remove tag ${t.key}`}
              onClick={async () => {
                await remove.run(t.key);
                onChanged();
              }}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <ErrorAlert error={remove.error} />
      <Form
        label="Add tag"
        submit="Add tag"
        busy={add.busy}
        error={add.error}
        onSubmit={async () => {
          await add.run();
          setKey('');
          setValue('');
          onChanged();
        }}
      >
        <TextField label="Tag key" value={key} onValue={setKey} required maxLength={36} />
        <TextField label="Tag value" value={value} onValue={setValue} maxLength={43} />
      </Form>
    </section>
  );
}
