import type { CreatedCredential, Credential } from '../../services/identity/credentials.js';

/** An access key as IAM shows it (create_time in UTC with microseconds); the secret only in a create's reply. */
export function credentialView(c: Credential): Record<string, unknown> {
  return {
    access: c.accessKey,
    status: c.status,
    user_id: c.userId,
    create_time: c.createdAt.toISOString().replace(/Z$/, '000Z'),
    description: c.description,
    project_id: c.projectId,
  };
}

export function createdCredentialView(c: CreatedCredential): Record<string, unknown> {
  return { ...credentialView(c), secret: c.secretKey };
}
