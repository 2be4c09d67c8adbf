import { ApiError } from '../../src/common/errors.js';
import { DomainError } from '../../src/services/common/errors.js';
import { codeOf } from '../../src/http/error-mapping.js';

/** The code a service's refusal answers with in the VBS family. */
export function vbsCode(err: unknown): string | undefined {
  if (err instanceof DomainError) return codeOf(err, 'vbs');
  if (err instanceof ApiError) return err.code;
  return undefined;
}
