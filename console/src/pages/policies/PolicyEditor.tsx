import { useState } from 'preact/hooks';
import { createPolicy, updatePolicy, type Policy } from '../../api/policies.js';
import { Form, TextField } from '../../components/Form.js';
import { useAction } from '../../components/hooks.js';
import { useApi } from '../../session-context.js';
import { draftOf, ScheduleFields, SchedulePreview, scheduledPolicyOf } from './ScheduleEditor.js';

/** Creates a policy (no `policy`) or edits one, with the preview of its next runs beside the form. */
export function PolicyEditor({ policy, onSaved, onCancel }: { policy?: Policy; onSaved: (id: string) => void; onCancel: () => void }) {
  const api = useApi();
  const [name, setName] = useState(policy?.backup_policy_name ?? '');
  const [draft, setDraft] = useState(() => draftOf(policy?.scheduled_policy, policy?.time_zone));
  const now = new Date();
  const createdAt = policy?.created_at ? new Date(policy.created_at) : now;
  const save = useAction(async () => {
    const input = { backup_policy_name: name, scheduled_policy: scheduledPolicyOf(draft), time_zone: draft.timeZone };
    if (!policy) return createPolicy(api, input);
    await updatePolicy(api, policy.backup_policy_id, input);
    return policy.backup_policy_id;
  });
  const label = policy ? `Edit policy ${policy.backup_policy_name}` : 'Create policy';
  return (
    <div class="policy-editor">
      <Form
        label={label}
        submit={policy ? 'Save' : 'Create'}
        busy={save.busy}
        error={save.error}
        onCancel={onCancel}
        onSubmit={async () => {
          const id = await save.run();
          if (id) onSaved(id);
        }}
      >
        <TextField label="Name" value={name} onValue={setName} required maxLength={64} hint="1 to 64 letters, digits, _ and -" />
        <ScheduleFields draft={draft} onDraft={setDraft} />
      </Form>
      <SchedulePreview draft={draft} createdAt={createdAt} asOf={now} />
    </div>
  );
}
