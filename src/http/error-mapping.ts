import { ApiError, ERROR_CATALOGUE, type ErrorCode } from '../common/errors.js';
import type { DomainError, DomainErrorKind, Entity, QuotaExceeded, Rule } from '../services/common/errors.js';
import type { Family } from './families.js';

/**
 * The one table from domain errors to what each API family answers. A family absent from an
 * entry answers the entry's `all` code; the code fixes the status (the Cinder envelope reads the
 * status alone, so Cinder clients see 400, 404, 409 or 413 whatever the code).
 */
type Codes = { all: ErrorCode } & Partial<Record<Family, ErrorCode>>;

const BY_RULE: Record<Rule, Codes> = {
  'backup.volume-busy': { all: 'VolumeBackup.0013' },
  'backup.volume-not-backupable': { all: 'VolumeBackup.0012' },
  'backup.snapshot-not-found': { all: 'common.0404', vbs: 'VolumeBackup.0020' },
  'backup.snapshot-not-available': { all: 'common.0400', vbs: 'VolumeBackup.0037' },
  'backup.not-available': { all: 'common.0400', vbs: 'VolumeBackup.0089' },
  'restore.volume-not-found': { all: 'VolumeBackup.0021', vbs: 'VolumeBackup.0111' },
  'restore.volume-backing-up': { all: 'VolumeBackup.0206' },
  'restore.volume-not-available': { all: 'VolumeBackup.0205' },
  'restore.volume-too-small': { all: 'VolumeBackup.0209' },
  'volume.create-failed': { all: 'VolumeBackup.0022' },
  'snapshot.create-failed': { all: 'VolumeBackup.0017' },
  'snapshot.delete-failed': { all: 'VolumeBackup.0101' },
  'policy.default-name': { all: 'AutoBackup.0100' },
  'policy.name-invalid': { all: 'AutoBackup.0102' },
  'policy.limit': { all: 'AutoBackup.0203' },
  'policy.running': { all: 'AutoBackup.0225' },
  'policy.tags-limit': { all: 'VolumeBackup.0050' },
  'policy.volume-bad-status': { all: 'AutoBackup.0206' },
  'policy.volumes-limit': { all: 'AutoBackup.0204' },
  'policy.volume-not-found': { all: 'AutoBackup.0208' },
  'policy.volume-not-bound': { all: 'AutoBackup.0208' },
  'policy.snapshot-quota': { all: 'AutoBackup.0217' },
  'policy.backup-quota': { all: 'AutoBackup.0218' },
  'policy.start-time-order': { all: 'AutoBackup.0103' },
  'policy.resource-empty': { all: 'AutoBackup.0209' },
  'policy.resource-type': { all: 'AutoBackup.0211' },
  'policy.volume-taken': { all: 'AutoBackup.1400' },
  'job.failed': { all: 'VolumeBackup.p.0014' },
  'backup.create-failed': { all: 'VolumeBackup.0027' },
  'backup.not-being-created': { all: 'VolumeBackup.0030' },
  'backup.delete-failed': { all: 'VolumeBackup.0125' },
  'backup.not-being-deleted': { all: 'VolumeBackup.0110' },
  'restore.failed': { all: 'VolumeBackup.0200' },
  'restore.not-being-restored': { all: 'VolumeBackup.0201' },
};

const NOT_FOUND: Partial<Record<Entity, Codes>> = {
  volume: { all: 'VolumeBackup.0021' },
  backup: { all: 'VolumeBackup.0111' },
  job: { all: 'common.0011' },
  policy: { all: 'AutoBackup.0205' },
};

const BY_KIND: Record<DomainErrorKind, Codes> = {
  invalid_input: { all: 'common.0400' },
  not_found: { all: 'common.0404' },
  invalid_state: { all: 'common.0400' },
  quota_exceeded: { all: 'VolumeBackup.0070' },
  limit_exceeded: { all: 'common.0400' },
  conflict: { all: 'common.0409' },
  forbidden: { all: 'common.0403' },
  failed: { all: 'common.0500' },
  out_of_space: { all: 'common.0503' },
};

/** The VBS catalogue's quota codes: by resource, and by resource of one volume type. */
const QUOTA_CODES: Record<string, ErrorCode> = {
  volumes: 'VolumeBackup.0082',
  gigabytes: 'VolumeBackup.0083',
  per_volume_gigabytes: 'VolumeBackup.0083',
  snapshots: 'VolumeBackup.0084',
  backups: 'VolumeBackup.0080',
  backup_gigabytes: 'VolumeBackup.0081',
  volumes_SAS: 'VolumeBackup.0071',
  gigabytes_SAS: 'VolumeBackup.0072',
  volumes_SATA: 'VolumeBackup.0073',
  gigabytes_SATA: 'VolumeBackup.0074',
  volumes_SSD: 'VolumeBackup.0075',
  gigabytes_SSD: 'VolumeBackup.0076',
  snapshots_SAS: 'VolumeBackup.0077',
  snapshots_SATA: 'VolumeBackup.0078',
  snapshots_SSD: 'VolumeBackup.0079',
};

const QUOTA_CODE_SET = new Set<string>(['VolumeBackup.0040', ...Object.values(QUOTA_CODES)]);

/** Quota codes: the Cinder family answers them as 413 overLimit, as Cinder does. */
export function isQuotaCode(code: string): boolean {
  return QUOTA_CODE_SET.has(code);
}

function quotaCode(e: QuotaExceeded): ErrorCode {
  return QUOTA_CODES[e.volumeType ? `${e.resource}_${e.volumeType}` : e.resource] ?? QUOTA_CODES[e.resource] ?? 'VolumeBackup.0070';
}

/** The catalogue code a domain error answers with in a family. */
export function codeOf(err: DomainError, family: Family): ErrorCode {
  if (err.kind === 'quota_exceeded') return quotaCode(err as QuotaExceeded);
  const entry = (err.rule && BY_RULE[err.rule]) || (err.kind === 'not_found' && NOT_FOUND[(err as DomainError & { entity: Entity }).entity]) || BY_KIND[err.kind];
  return entry[family] ?? entry.all;
}

/** The code a job's record keeps: jobs are the VBS API's, so they speak its codes. */
export function jobErrorCode(failure: DomainError): string {
  return codeOf(failure, 'vbs');
}

/** Codes of the references themselves (not this service's common.* additions) carry their documented text. */
function documented(code: ErrorCode): boolean {
  return code === 'common.0011' || code.startsWith('VolumeBackup.') || code.startsWith('AutoBackup.');
}

/**
 * A domain error as the family answers it. The VBS and AutoBackup families lead a documented
 * code's message with the reference's text, so clients that match on it keep working; Cinder's
 * messages are the domain's own, as Cinder's are.
 */
export function fromDomainError(err: DomainError, family: Family): ApiError {
  const code = codeOf(err, family);
  const text = ERROR_CATALOGUE[code][1];
  const message =
    (family === 'vbs' || family === 'autobackup') && documented(code) && !err.message.startsWith(text) ? `${text}: ${err.message}` : err.message;
  return new ApiError(code, message);
}
