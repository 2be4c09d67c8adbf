/**
 * Each API family speaks its own error envelope and codes. The family is read off the path
 * alone, so routes, 404s and 405s of one prefix always answer alike.
 */
export type Family = 'identity' | 'cinder' | 'vbs' | 'autobackup' | 'cbr' | 'plain';

const PROJECT_PATH = /^\/v[123]\/[^/]+\/([^/?]+)/;

export function familyOf(url: string): Family {
  const path = url.split('?')[0];
  // keystoneauth may ask the root's /v3 for identity routes too (tokens, projects, the catalog).
  if (path.startsWith('/identity') || /^\/v3\/(auth|projects)(\/|$)/.test(path)) return 'identity';
  if (path.startsWith('/cbr/')) return 'cbr';
  const m = PROJECT_PATH.exec(path);
  if (!m) return 'plain';
  const collection = m[1];
  if (collection === 'backuppolicy' || collection === 'backuppolicyresources') return 'autobackup';
  if (collection === 'cloudbackups' || collection === 'jobs' || collection === 'os-vendor-backup-sharing' || collection === 'store') return 'vbs';
  return 'cinder';
}
