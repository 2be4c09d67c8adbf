/** Health, metrics and the OpenAPI document. */
import { Type } from '@sinclair/typebox';
import { errorResponses } from './common.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.String({ description: 'sqlite or postgres' }),
});

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]),
  message: Type.String({ description: 'what was found, or why the check failed' }),
});

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  failing: Type.Array(Type.String(), { description: 'names of the failing checks' }),
  checks: Type.Object({
    database: Type.Object(Check.properties, { description: 'the database takes a write' }),
    store: Type.Object(Check.properties, { description: 'the block store takes a write and (local stores) has the free space required' }),
    disk: Type.Object(Check.properties, { description: 'the data directory has the free space required (VBS_READY_MIN_FREE_MB)' }),
    workers: Type.Object(Check.properties, { description: 'the job workers run' }),
  }),
});

/** This document: named to the top level; the rest passes as it is. */
const OpenApiDocument = Type.Object(
  {
    openapi: Type.String({ description: '3.1.x' }),
    info: Type.Object({ title: Type.String(), version: Type.String() }, { additionalProperties: true }),
    paths: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: true },
);

const plainErrors = errorResponses('plain');

export const OpsReplies = {
  health: {
    200: Type.Object(Health.properties, { description: 'The service and its database answer' }),
    503: Type.Object(Health.properties, { description: 'The database does not answer' }),
    ...plainErrors,
  },
  ready: {
    200: Type.Object(Readiness.properties, { description: 'Every check passes: the service can serve requests' }),
    503: Type.Object(Readiness.properties, { description: 'A check fails; `failing` names it' }),
    ...plainErrors,
  },
  /** Prometheus' text exposition format, in the content type the registry writes. */
  metrics: (contentType: string) => ({ 200: { description: 'Prometheus metrics', content: { [contentType]: { schema: Type.String() } } }, ...plainErrors }),
  openapi: { 200: OpenApiDocument, ...plainErrors },
};
