import '../areas.css';
import { useState } from 'preact/hooks';
import { isCloudAdmin } from '../../api/admin.js';
import { useSession } from '../../session-context.js';
import type { PageProps } from '../registry.js';
import { CredentialsSection } from './CredentialsSection.js';
import { ProjectsSection } from './ProjectsSection.js';
import { StoreSection } from './StoreSection.js';
import { UsersSection } from './UsersSection.js';

/** Cloud administration; the server refuses every call to anyone else, and the page says so first. */
export function AdminPage(_props: PageProps) {
  const session = useSession();
  // Bumped when projects or users change: the other sections' pickers list them too.
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((c) => c + 1);
  if (!isCloudAdmin(session)) {
    return (
      <div class="alert alert-error" role="alert">
        Only cloud administrators (the admin role in the admin project) administer projects, users, access keys and the store.
      </div>
    );
  }
  return (
    <>
      <ProjectsSection onChanged={changed} />
      <UsersSection changes={changes} onChanged={changed} />
      <CredentialsSection changes={changes} />
      <StoreSection changes={changes} />
    </>
  );
}
