import type { ComponentChildren } from 'preact';

/** Label/value pairs of one record (a description list). */
export function Details({ label, items }: { label: string; items: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="details" aria-label={label}>
      {items.map(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{v}</dd>])}
    </dl>
  );
}
