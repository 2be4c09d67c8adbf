import { ApiError } from '../../common/errors.js';
import { bad } from './common.js';

export type ServiceAction = 'enable' | 'disable' | 'disable-log-reason' | 'freeze' | 'thaw';

export interface ServiceActionRequest {
  action: ServiceAction;
  host: string;
  /** The binary to change: `binary`, or `service` as older clients name it. */
  binary: string;
  /** What the answer echoes of the request. */
  binaryField: string;
  service: string;
  reason?: string;
}

const ACTIONS: readonly ServiceAction[] = ['enable', 'disable', 'disable-log-reason', 'freeze', 'thaw'];

/** PUT /os-services/{action}: an unknown action is 404, as Cinder answers it. */
export function serviceActionRequest(action: string, body: unknown): ServiceActionRequest {
  const known = ACTIONS.find((a) => a === action);
  if (!known) throw new ApiError('common.0404', `Unknown action ${action}.`);
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (!b) throw bad('The body must be an object naming a host.');
  if (typeof b.host !== 'string' || b.host.length === 0 || b.host.length > 255) throw bad('host must be a non-empty string.');
  const text = (field: string): string => {
    const v = b[field];
    if (v === undefined) return '';
    if (typeof v !== 'string' || v.length > 255) throw bad(`${field} must be a string.`);
    return v;
  };
  const binaryField = text('binary');
  const service = text('service');
  const out: ServiceActionRequest = { action: known, host: b.host, binary: binaryField || service, binaryField, service };
  if (known === 'disable-log-reason') {
    const reason = b.disabled_reason;
    if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 255) throw bad('disabled_reason must be a non-empty string of at most 255 characters.');
    out.reason = reason;
  }
  return out;
}
