/**
 * What a use case can refuse or fail with, in the domain's words. Services throw these and
 * nothing else a user may cause; src/http/error-mapping.ts turns each into the code, status and
 * envelope of the API family that was asked, so no service knows a status code or a family.
 */
export type Entity =
  | 'volume' | 'snapshot' | 'backup' | 'job' | 'policy' | 'share' | 'project' | 'volume_type'
  | 'metadata' | 'attachment' | 'tag' | 'transfer' | 'marker'
  | 'domain' | 'user' | 'role' | 'role_assignment' | 'service' | 'host' | 'message' | 'credential';

/**
 * Situations for which an API family documents a code of its own (the VBS and AutoBackup
 * references name many). A domain error names its rule where one applies; the mapping gives
 * each family's code for it, and the kind's code where a family names none.
 */
export type Rule =
  | 'backup.volume-busy'
  | 'backup.volume-not-backupable'
  | 'backup.snapshot-not-found'
  | 'backup.snapshot-not-available'
  | 'backup.not-available'
  | 'restore.volume-not-found'
  | 'restore.volume-backing-up'
  | 'restore.volume-not-available'
  | 'restore.volume-too-small'
  | 'volume.create-failed'
  | 'snapshot.create-failed'
  | 'snapshot.delete-failed'
  | 'policy.default-name'
  | 'policy.name-invalid'
  | 'policy.limit'
  | 'policy.running'
  | 'policy.tags-limit'
  | 'policy.volume-bad-status'
  | 'policy.volumes-limit'
  | 'policy.volume-not-found'
  | 'policy.volume-not-bound'
  | 'policy.snapshot-quota'
  | 'policy.backup-quota'
  | 'policy.start-time-order'
  | 'policy.resource-empty'
  | 'policy.resource-type'
  | 'policy.volume-taken'
  | 'job.failed'
  | 'backup.create-failed'
  | 'backup.not-being-created'
  | 'backup.delete-failed'
  | 'backup.not-being-deleted'
  | 'restore.failed'
  | 'restore.not-being-restored';

export type DomainErrorKind =
  | 'invalid_input' | 'not_found' | 'invalid_state' | 'quota_exceeded' | 'limit_exceeded'
  | 'conflict' | 'forbidden' | 'failed' | 'out_of_space';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(
    message: string,
    readonly rule?: Rule,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request that no state of the system could satisfy: a value out of range, a missing field. */
export class InvalidInput extends DomainError {
  readonly kind = 'invalid_input';
}

const LABELS: Record<Entity, string> = {
  volume: 'Volume',
  snapshot: 'Snapshot',
  backup: 'Backup',
  job: 'Job',
  policy: 'Backup policy',
  share: 'Backup share',
  project: 'Project',
  volume_type: 'Volume type',
  metadata: 'Metadata key',
  attachment: 'Attachment',
  tag: 'Tag',
  transfer: 'Transfer',
  domain: 'Domain',
  user: 'User',
  role: 'Role',
  role_assignment: 'Role assignment',
  marker: 'Marker',
  service: 'Service',
  host: 'Host',
  message: 'Message',
  credential: 'Access key',
};

/** The entity does not exist, or not where the caller may see it (the two answer alike). */
export class NotFound extends DomainError {
  readonly kind = 'not_found';
  constructor(
    readonly entity: Entity,
    readonly id: string,
    message?: string,
    rule?: Rule,
  ) {
    super(message ?? `${LABELS[entity]} ${id} could not be found.`, rule);
  }
}

/** The entity exists but its status does not allow the request now. */
export class InvalidState extends DomainError {
  readonly kind = 'invalid_state';
  constructor(
    readonly entity: Entity,
    readonly id: string,
    readonly current: string,
    readonly allowed: readonly string[],
    message: string,
    rule?: Rule,
  ) {
    super(message, rule);
  }
}

export type QuotaResource = 'volumes' | 'gigabytes' | 'snapshots' | 'backups' | 'backup_gigabytes' | 'per_volume_gigabytes';

/** The project's quota of a resource (overall, or of one volume type) would be exceeded. */
export class QuotaExceeded extends DomainError {
  readonly kind = 'quota_exceeded';
  constructor(
    readonly resource: QuotaResource,
    readonly volumeType: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** A fixed limit of the service (policies per project, tags per policy) would be exceeded. */
export class LimitExceeded extends DomainError {
  readonly kind = 'limit_exceeded';
}

/** The request collides with a concurrent change or with what exists (a share made twice). */
export class Conflict extends DomainError {
  readonly kind = 'conflict';
}

/** The caller may not do this. */
export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
}

/** The work itself failed (the volume driver, the store); nothing of the request stays behind. */
export class OperationFailed extends DomainError {
  readonly kind = 'failed';
}

/** What each raw code of a full disk says, for users: the raw message may name files of the server. */
const OUT_OF_SPACE_CAUSES = {
  SQLITE_FULL: 'the database disk is full',
  '53100': 'the database disk is full', // PostgreSQL's disk_full
  ENOSPC: 'the data disk is full',
  EDQUOT: 'the disk quota is exceeded',
} as const;

export type OutOfSpaceCode = keyof typeof OUT_OF_SPACE_CAUSES;

/**
 * The database or the disk has no room left: nothing was written, and the same request will
 * work once space is freed. One error for SQLite's SQLITE_FULL, a file write's ENOSPC or
 * EDQUOT (the block store's included) and PostgreSQL's disk_full.
 */
export class OutOfSpace extends DomainError {
  readonly kind = 'out_of_space';
  constructor(readonly code: OutOfSpaceCode) {
    super(`No space left to store data (${OUT_OF_SPACE_CAUSES[code]}): nothing was changed; retry once space has been freed.`);
  }
}

/** A raw error of the database, a file or the block store that says the disk is full. */
export function isOutOfSpace(err: unknown): err is { code: OutOfSpaceCode } {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(OUT_OF_SPACE_CAUSES, code);
}
