import fastJson, { type Schema } from 'fast-json-stringify';

/** Schemas are module constants: each compiles once per process, whichever app serves it. */
const serializers = new WeakMap<object, (data: unknown) => string>();

/** The JSON serializer of a reply schema (or of a part of one): what Fastify sends a route's reply with. */
export function serializerOf(schema: unknown): (data: unknown) => string {
  let serialize = serializers.get(schema as object);
  if (!serialize) {
    serialize = fastJson(schema as Schema);
    serializers.set(schema as object, serialize);
  }
  return serialize;
}
