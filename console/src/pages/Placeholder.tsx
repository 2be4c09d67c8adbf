import { useSession } from '../session-context.js';
import type { PageProps } from './registry.js';

/** A page not built yet: it says so, and who is logged in. */
export function Placeholder(_props: PageProps) {
  const session = useSession();
  return (
    <p class="placeholder">
      This page is coming. You are logged in as <strong>{session.userName}</strong> in project <strong>{session.projectName}</strong>.
    </p>
  );
}
