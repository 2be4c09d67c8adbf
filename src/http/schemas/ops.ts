/** Health, metrics and the OpenAPI document. */
import { Type } from '@sinclair/typebox';
import { errorResponses } from './common.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.String({ description: 'sqlite or postgres' }),
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
  /** Prometheus' text exposition format, in the content type the registry writes. */
  metrics: (contentType: string) => ({ 200: { description: 'Prometheus metrics', content: { [contentType]: { schema: Type.String() } } }, ...plainErrors }),
  openapi: { 200: OpenApiDocument, ...plainErrors },
};
