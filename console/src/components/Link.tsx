import type { ComponentChildren } from 'preact';
import { href, navigate } from '../router.js';

/** An in-app link: a real <a href> (open in a new tab works), navigating without a reload on a plain click. */
export function Link({ to, children, class: className, current }: { to: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={href(to)}
      class={className}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
