/**
 * The `container` a backup shows: a name for where backups are kept that tells nothing of the
 * host (no directory, no endpoint, no credentials), the same to every project.
 */

/** The local store's one name: Cinder's default container, as the references show it. */
export const LOCAL_CONTAINER = 'volumebackups';

export function s3ContainerName(bucket: string, prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return `s3:${bucket}${trimmed ? `/${trimmed}` : ''}`;
}

/**
 * A container kept by an earlier release, which stored the store's description (`fs:/a/path`,
 * `s3:http://endpoint/bucket/prefix`), as it is named now; any other name (a user's) as it is.
 */
export function withoutStorePath(container: string | null): string | null {
  if (container === null) return null;
  if (/^fs:\//.test(container)) return LOCAL_CONTAINER;
  const s3 = /^s3:[a-z][a-z0-9+.-]*:\/\/[^/]*\/([^/]+)\/?(.*)$/i.exec(container);
  return s3 ? s3ContainerName(s3[1], s3[2]) : container;
}
