/**
 * Schema pieces every API family's routes share. Route schemas are the contract of the views:
 * a response is serialized through its schema, so a field the schema does not name is not sent,
 * and /openapi.json documents exactly what is sent.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { Family } from '../families.js';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Free-form string pairs: metadata, tags. */
export const StringMap = Type.Record(Type.String(), Type.String());

export const Link = Type.Object({ href: Type.String(), rel: Type.String() });

/** ISO 8601 date and time as the family writes it (Cinder: no zone, microseconds). */
export const Timestamp = Type.String({ description: 'ISO 8601 date and time' });

/** A reply with no body (202 Accepted, 204 No Content). */
export const NoBody = Type.Null({ description: 'No body' });

const CinderFault = Type.Object({ code: Type.Integer(), message: Type.String() });
const TitledError = Type.Object({ error: Type.Object({ code: Type.Integer(), title: Type.String(), message: Type.String() }) });
const CodedError = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
const CbrError = Type.Object({ error_code: Type.String(), error_msg: Type.String() });

/** The error envelope of each family, as src/http/errors.ts renders it. */
export const ERROR_ENVELOPES: Record<Family, TSchema> = {
  // A fault named for the status (badRequest, itemNotFound, overLimit ...); 401 is Keystone's.
  cinder: Type.Union([Type.Record(Type.String({ pattern: '^[a-zA-Z]+$' }), CinderFault, { minProperties: 1, maxProperties: 1 }), TitledError], { description: 'Cinder fault' }),
  vbs: CodedError,
  autobackup: CodedError,
  cbr: CbrError,
  identity: TitledError,
  plain: TitledError,
};

/** Error responses of a family's routes, for the route's `response` schema. */
export function errorResponses(family: Family): Record<'4xx' | '5xx', TSchema> {
  return { '4xx': ERROR_ENVELOPES[family], '5xx': ERROR_ENVELOPES[family] };
}
