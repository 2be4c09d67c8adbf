/**
 * The error catalogue: every code of the VBS API reference (§6.2) with its HTTP status and
 * message, plus the few codes this service adds for causes the reference has no code for.
 * Services throw `ApiError`s by code; the HTTP layer renders them in each API family's envelope.
 */
const SEED_CODES = {
  'common.0011':           [404, 'query job fail'],
  'VolumeBackup.p.0014':   [400, 'submit job exception'],
  'VolumeBackup.p.0041':   [401, 'api roles is null or empty'],
  'VolumeBackup.0042':     [403, 'user role is not allowed for this action'],
  'VolumeBackup.0044':     [401, 'invalid token roles'],
  'VolumeBackup.0002':     [400, 'api request parameter instance null'],
  'VolumeBackup.0003':     [400, 'api request parameter name over length'],
  'VolumeBackup.0004':     [400, 'api request parameter name invalid character'],
  'VolumeBackup.0005':     [400, 'api request parameter name invalid prefix'],
  'VolumeBackup.0006':     [400, 'api request parameter description is invalid'],
  'VolumeBackup.0007':     [400, 'api request parameter name is null'],
  'VolumeBackup.0008':     [400, 'get assume role token fail'],
  'VolumeBackup.0009':     [400, 'call IAM api to get shadow domain ak and sk fail.'],
  'VolumeBackup.0010':     [400, 'api request parameter volume_id null'],
  'VolumeBackup.0011':     [400, 'api request parameter volume_id invalid UUID pattern'],
  'VolumeBackup.0012':     [400, 'volume status is not available or in-use'],
  'VolumeBackup.0013':     [400, "volume's last backup progress is not finished"],
  'VolumeBackup.0017':     [400, 'fsp cinder create snapshot exception'],
  'VolumeBackup.0018':     [400, 'fsp cinder return null snapshot'],
  'VolumeBackup.0019':     [400, 'fsp cinder get snapshot detail exception'],
  'VolumeBackup.0020':     [400, 'got snapshot detail is null'],
  'VolumeBackup.0021':     [404, 'volume not exists'],
  'VolumeBackup.0022':     [400, 'fsp cinder create volume exception'],
  'VolumeBackup.0023':     [400, 'fsp cinder return null volume'],
  'VolumeBackup.0024':     [400, 'fsp cinder get volume detail exception'],
  'VolumeBackup.0025':     [400, 'got volume detail is null'],
  'VolumeBackup.0026':     [400, 'api request parameter name length is too short'],
  'VolumeBackup.0027':     [400, 'fsp cinder or ebackup create backup exception'],
  'VolumeBackup.0028':     [400, 'fsp cinder or ebackup return null backup'],
  'VolumeBackup.0029':     [400, 'fsp cinder get backup detail exception'],
  'VolumeBackup.0030':     [400, 'got backup detail is null'],
  'VolumeBackup.0035':     [400, 'fsp cinder get volume details exception'],
  'VolumeBackup.0036':     [400, 'fsp cinder get backup details exception'],
  'VolumeBackup.0037':     [400, 'created snapshot status is not available or query snapshot exception'],
  'VolumeBackup.0038':     [400, 'created volume status is not available or query volume exception'],
  'VolumeBackup.0039':     [400, 'created backup status is not available or query backup exception'],
  'VolumeBackup.0040':     [400, "volume's backup number is over limit"],
  'VolumeBackup.0043':     [400, 'fsp cinder get volume or backup detail exception'],
  'VolumeBackup.0049':     [400, 'api request tag parameter is invalid'],
  'VolumeBackup.0050':     [400, 'The number of tags exceeded'],
  'VolumeBackup.0051':     [400, 'volume of this pod does not support backup'],
  'VolumeBackup.0053':     [400, 'DESS volume type is not support backup'],
  'VolumeBackup.0062':     [400, 'fsp cinder return snapshot status is error'],
  'VolumeBackup.0063':     [400, 'fsp cinder return temp volume status is error'],
  'VolumeBackup.0064':     [400, 'fsp cinder return backup status is error'],
  'VolumeBackup.0070':     [400, 'query quota usage exception'],
  'VolumeBackup.0071':     [400, 'no enough sas volume quota num'],
  'VolumeBackup.0072':     [400, 'no enough sas volume quota bytes'],
  'VolumeBackup.0073':     [400, 'no enough sata volume quota num'],
  'VolumeBackup.0074':     [400, 'no enough sata volume quota bytes'],
  'VolumeBackup.0075':     [400, 'no enough ssd volume quota num'],
  'VolumeBackup.0076':     [400, 'no enough ssd volume quota bytes'],
  'VolumeBackup.0077':     [400, 'no enough sas snapshot quota num'],
  'VolumeBackup.0078':     [400, 'no enough sata snapshot quota num'],
  'VolumeBackup.0079':     [400, 'no enough ssd snapshot quota num'],
  'VolumeBackup.0080':     [400, 'no enough backup quota num'],
  'VolumeBackup.0081':     [400, 'no enough backup quota bytes'],
  'VolumeBackup.0082':     [400, 'no enough volume quota num'],
  'VolumeBackup.0083':     [400, 'no enough volume quota bytes'],
  'VolumeBackup.0084':     [400, 'no enough snapshot quota num'],
  'VolumeBackup.0100':     [400, 'submit subjob exception in delete backup status'],
  'VolumeBackup.0101':     [400, 'delete snapshot exception in delete backup status'],
  'VolumeBackup.0102':     [400, 'delete backup exception when call openstack api'],
  'VolumeBackup.0103':     [400, 'query backup detail exception in delete backup status'],
  'VolumeBackup.0104':     [400, 'get glance msg from fsp failed.'],
  'VolumeBackup.0105':     [400, 'the url is invalid'],
  'VolumeBackup.0109':     [400, 'query snapshot from fsp failed'],
  'VolumeBackup.0110':     [400, 'the backup details msg is null'],
  'VolumeBackup.0113':     [400, 'The backup has been made as an image, cannot delete it'],
  'VolumeBackup.0123':     [400, 'query the backup details is null from FSP'],
  'VolumeBackup.0125':     [400, 'failed to delete the backup.'],
  'VolumeBackup.0129':     [400, 'Deleting this type of backups is not allowed'],
  'VolumeBackup.0900':     [400, 'error with ClientException'],
  'VolumeBackup.0111':     [404, 'the volume info or backup detail is not exist'],
  'VolumeBackup.0200':     [400, 'restore backup exception'],
  'VolumeBackup.0201':     [400, 'restore backup null response'],
  'VolumeBackup.0202':     [400, 'restore backup volume error'],
  'VolumeBackup.0203':     [400, 'api request parameter backup_id null'],
  'VolumeBackup.0204':     [400, 'api request parameter backup_id invalid UUID pattern'],
  'VolumeBackup.0205':     [400, 'volume for restore state is not available'],
  'VolumeBackup.0206':     [400, 'volume for restore is creating backup'],
  'VolumeBackup.0207':     [404, 'query the volume backup details msg is null'],
  'VolumeBackup.0208':     [400, 'volumeID in body is null or empty'],
  'VolumeBackup.0209':     [400, 'volume size is less than backup size'],
  'VolumeBackup.0210':     [400, 'body in request is empty'],
  'VolumeBackup.0211':     [400, 'Cloud disks at the disaster recovery site cannot be restored.'],
  'VolumeBackup.0089':     [400, 'backup status is not available'],
  'AutoBackup.0000':       [400, 'request body is empty'],
  'AutoBackup.0001':       [400, 'request body exist empty structure'],
  'AutoBackup.0002':       [401, 'request token is empty'],
  'AutoBackup.0003':       [401, 'request token is expired'],
  'AutoBackup.0005':       [401, 'request domain id is empty'],
  'AutoBackup.0006':       [400, 'request policy id is empty'],
  'AutoBackup.0008':       [400, 'convert request to JSON object failed'],
  'AutoBackup.0009':       [500, 'internal error'],
  'AutoBackup.0100':       [400, 'normal tenant has no right to operator default policy'],
  'AutoBackup.0101':       [400, 'backup policy name length is illegal'],
  'AutoBackup.0102':       [400, 'backup policy name is invalid'],
  'AutoBackup.0103':       [400, 'schedule policy start time format error'],
  'AutoBackup.0104':       [400, 'schedule policy status is illegal'],
  'AutoBackup.0105':       [400, 'schedule policy remain firstbackup of cur month is illegal'],
  'AutoBackup.0106':       [400, 'schedule policy frequency is out of range'],
  'AutoBackup.0107':       [400, 'schedule policy retention num is out of range'],
  'AutoBackup.0108':       [400, 'schedule policy retention day is out of range'],
  'AutoBackup.0109':       [400, 'schedule policy week frequency is illegal, must in (SUN, MON, TUE, WED, THU, FRI, SAT)'],
  'AutoBackup.0203':       [400, 'backup policy num over limit'],
  'AutoBackup.0204':       [400, 'number of volumes reaches limit'],
  'AutoBackup.0205':       [404, 'policyId is not exist'],
  'AutoBackup.1100':       [400, 'query policy with null input or null tenantId'],
  'AutoBackup.1300':       [400, 'delete policy: delete policy by policyId failed'],
  'AutoBackup.1400':       [400, 'policy bind resources: resources illegal'],
  'AutoBackup.1700':       [400, 'execute policy: input param invalid'],
  'AutoBackup.0206':       [400, 'volume to bind is in bad status'],
  'AutoBackup.0207':       [400, 'resource to bind is empty'],
  'AutoBackup.0208':       [404, 'unable to get specified resource detail, may be incorrect resource id'],
  'AutoBackup.0209':       [400, 'resource id or resource name is empty'],
  'AutoBackup.0210':       [400, 'HANA volume cannot bind to backup policy'],
  'AutoBackup.0211':       [400, 'bad resource type'],
  'AutoBackup.0213':       [400, 'Unauthorized request'],
  'AutoBackup.0217':       [400, 'Snapshot quota is not enough'],
  'AutoBackup.0218':       [400, 'Backup number quota is not enough'],
  'AutoBackup.0220':       [400, 'DESS volume cannot bind to backup policy'],
  'AutoBackup.0221':       [400, 'The request contains invalid parameters'],
  'AutoBackup.0222':       [400, 'Only specified action is supported'],
  'AutoBackup.0225':       [400, 'the backup policy is being executed, failed to execute the backup task'],
  'AutoBackup.9002':       [401, 'authorization Filter fail'],
} as const satisfies Record<string, readonly [number, string]>;

/** Causes the reference names no code for; kept in the reference's style. */
const SERVICE_CODES = {
  'common.0400': [400, 'request is malformed'],
  'common.0401': [401, 'authentication required'],
  'common.0403': [403, 'access to this project is not allowed'],
  'common.0404': [404, 'resource not found'],
  'common.0405': [405, 'method not allowed'],
  'common.0406': [406, 'requested version is not supported'],
  'common.0409': [409, 'request conflicts with the current state'],
  'common.0413': [413, 'request body too large'],
  'common.0415': [415, 'unsupported media type'],
  'common.0429': [429, 'too many requests'],
  'common.0500': [500, 'internal error'],
  'common.0503': [503, 'service unavailable'],
} as const satisfies Record<string, readonly [number, string]>;

export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, readonly [number, string]>> = {
  ...SEED_CODES,
  ...SERVICE_CODES,
};

export type ErrorCode = keyof typeof SEED_CODES | keyof typeof SERVICE_CODES;

export class ApiError extends Error {
  readonly status: number;
  /**
   * @param code the catalogue code; it fixes the HTTP status
   * @param detail a message for the user naming what was wrong; the catalogue text when absent
   * @param status overrides the catalogue's status where an API family documents another one
   */
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    status?: number,
  ) {
    const [catalogueStatus, catalogueMessage] = ERROR_CATALOGUE[code];
    super(detail ?? catalogueMessage);
    this.status = status ?? catalogueStatus;
    this.name = 'ApiError';
  }
}

export function apiError(code: ErrorCode, detail?: string, status?: number): ApiError {
  return new ApiError(code, detail, status);
}
