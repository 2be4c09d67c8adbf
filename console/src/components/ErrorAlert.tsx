import type { ComponentChildren } from 'preact';
import { messageOf } from '../api/errors.js';

/** An API error as the API worded it (role="alert": a screen reader says it at once). */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (error === null || error === undefined) return null;
  return (
    <div class="alert alert-error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {messageOf(error)}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="alert alert-info" role="status">
      {children}
    </div>
  );
}
