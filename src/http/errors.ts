import { ApiError, type ErrorCode } from '../common/errors.js';
import { DomainError, OutOfSpace, isOutOfSpace } from '../services/common/errors.js';
import { IdentityError } from '../services/identity/identity.js';
import { fromDomainError, isQuotaCode } from './error-mapping.js';
import type { Family } from './families.js';

/** Fault names of the Cinder (and Nova) envelopes, by HTTP status. */
const CINDER_FAULTS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};


export interface RenderedError {
  status: number;
  body: unknown;
}

type GenericCause = 'malformed' | 'unauthenticated' | 'expired' | 'unscoped' | 'invalid' | 'media-type';

/**
 * Codes for causes every family meets, in the family's own vocabulary where it has one:
 * `malformed` a body that is no JSON, `invalid` a parameter no field rule accepts (text that is
 * not well-formed Unicode), `media-type` a body that is not sent as JSON.
 */
export function genericCode(family: Family, cause: GenericCause): ErrorCode {
  if (family === 'autobackup') {
    return ({ malformed: 'AutoBackup.0008', unauthenticated: 'AutoBackup.0002', expired: 'AutoBackup.0003', unscoped: 'AutoBackup.0005', invalid: 'AutoBackup.0221', 'media-type': 'AutoBackup.0008' } as const)[cause];
  }
  if (family === 'vbs') {
    return ({ malformed: 'VolumeBackup.0002', unauthenticated: 'common.0401', expired: 'common.0401', unscoped: 'VolumeBackup.p.0041', invalid: 'VolumeBackup.0002', 'media-type': 'VolumeBackup.0002' } as const)[cause];
  }
  if (cause === 'media-type') return 'common.0415';
  return cause === 'malformed' || cause === 'invalid' ? 'common.0400' : 'common.0401';
}

/** The code of a body parser's refusal of text that is not well-formed Unicode (see body-parser.ts). */
export const INVALID_UNICODE = 'VBS_INVALID_UNICODE';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: unknown;
  message: string;
}

/** Turns anything thrown while serving a request into the ApiError the user sees. */
export function toApiError(err: unknown, family: Family): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return fromDomainError(err, family);
  if (isOutOfSpace(err)) return fromDomainError(new OutOfSpace(err.code), family);
  if (err instanceof IdentityError) {
    const byKind = { unauthorized: 'common.0401', forbidden: 'common.0403', not_found: 'common.0404', conflict: 'common.0409', bad_request: 'common.0400' } as const;
    return new ApiError(byKind[err.kind], err.message);
  }
  const e = err as FastifyLikeError;
  if (e && e.validation) return new ApiError(genericCode(family, 'malformed'), `Invalid input: ${e.message}`);
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(genericCode(family, 'malformed'), 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('common.0413', 'The request body is larger than 1 MiB.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // 415 in every family; VBS and AutoBackup name it with their documented invalid-request code.
      return new ApiError(genericCode(family, 'media-type'), 'The request body must be JSON, sent with Content-Type: application/json.', 415);
    case INVALID_UNICODE:
      return new ApiError(genericCode(family, 'invalid'), e.message, 400);
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new ApiError('common.0400', 'The request URL is malformed.');
  }
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiError('common.0400', e.message, e.statusCode);
  }
  return new ApiError(family === 'autobackup' ? 'AutoBackup.0009' : 'common.0500', 'The server met an internal error; the request may be retried.');
}

/** The body and status of an error in the envelope of the request's family. */
export function renderError(family: Family, err: ApiError): RenderedError {
  switch (family) {
    case 'vbs':
    case 'autobackup':
      return { status: err.status, body: { error: { code: err.code, message: err.message } } };
    case 'cbr':
      return { status: err.status, body: { error_code: err.code, error_msg: err.message } };
    case 'cinder': {
      const status = isQuotaCode(err.code) ? 413 : err.status;
      if (status === 401) return { status, body: { error: { code: 401, title: TITLES[401], message: err.message } } };
      const fault = CINDER_FAULTS[status] ?? 'computeFault';
      return { status, body: { [fault]: { code: status, message: err.message } } };
    }
    default:
      return { status: err.status, body: { error: { code: err.status, title: TITLES[err.status] ?? 'Error', message: err.message } } };
  }
}
