import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { ErrorAlert } from './ErrorAlert.js';

/** A form whose submit runs `onSubmit`; its error (the API's message) shows above the buttons. */
export function Form(props: { label: string; onSubmit: () => void; busy?: boolean; error?: unknown; submit: string; children: ComponentChildren; onCancel?: () => void }) {
  return (
    <form
      class="form"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        if (!props.busy) props.onSubmit();
      }}
    >
      {props.children}
      <ErrorAlert error={props.error} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={props.busy} aria-busy={props.busy}>
          {props.busy ? `${props.submit}…` : props.submit}
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** The input attributes the console's forms use (Preact's own input type is a union too wide to spread). */
interface InputProps {
  type?: 'text' | 'password';
  required?: boolean;
  autocomplete?: string;
  autoFocus?: boolean;
  placeholder?: string;
  maxLength?: number;
  min?: number;
  max?: number;
}

export function TextField({ label, value, onValue, hint, type = 'text', ...rest }: InputProps & { label: string; value: string; onValue: (v: string) => void; hint?: string }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {/* Two elements: Preact's input type is a union keyed on `type`, which a variable cannot pick. */}
      {type === 'password' ? (
        <input id={id} type="password" value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      ) : (
        <input id={id} type="text" value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      )}
      {hint ? <small id={`${id}-hint`}>{hint}</small> : null}
    </div>
  );
}

export function NumberField({ label, value, onValue, ...rest }: Omit<InputProps, 'type'> & { label: string; value: number; onValue: (v: number) => void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="number" value={String(value)} onInput={(e) => onValue(Number(e.currentTarget.value))} {...rest} />
    </div>
  );
}

export function TextArea({ label, value, onValue }: { label: string; value: string; onValue: (v: string) => void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} rows={2} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
    </div>
  );
}

export function SelectField(props: { label: string; value: string; onValue: (v: string) => void; options: Array<{ value: string; label: string }>; required?: boolean }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} required={props.required} onChange={(e) => props.onValue(e.currentTarget.value)}>
        {props.options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Checkbox({ label, checked, onValue }: { label: string; checked: boolean; onValue: (v: boolean) => void }) {
  const id = useId();
  return (
    <div class="field field-check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onValue(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
    </div>
  );
}
