import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INVALID_UNICODE } from './errors.js';

/**
 * Every route of every family takes JSON or nothing. A body is read once, here, for all of
 * them: its raw bytes are kept for AK/SK signatures, a body of another type is 415 before any
 * handler runs, and text that is not well-formed Unicode is refused, so no field can store it.
 */
const JSON_TYPE = /^application\/([\w.+-]*\+)?json(;|$)/;

/** A lone UTF-16 surrogate; in `u` mode a well-formed pair is one code point and does not match. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Only a `\uD800`-`\uDFFF` escape can put a surrogate into parsed JSON: valid UTF-8 encodes none. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Parser failures carry codes, so one mapping (toApiError) names them per family. */
function parseError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

/** The first string (key or value) that holds a lone surrogate; iterative, as JSON may nest deeply. */
function loneSurrogateIn(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return v;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return k;
        pending.push(inner);
      }
    }
  }
  return undefined;
}

function parseJsonBody(request: FastifyRequest, body: Buffer): unknown {
  request.rawBody = body;
  // Clients send Content-Type: application/json on bodiless DELETEs; that is no error.
  if (body.length === 0) return undefined;
  if (!isUtf8(body)) throw parseError(INVALID_UNICODE, 'The request body is not valid UTF-8: text must be well-formed Unicode.');
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw parseError('FST_ERR_CTP_INVALID_JSON_BODY');
  }
  if (SURROGATE_ESCAPE.test(text)) {
    const bad = loneSurrogateIn(parsed);
    if (bad !== undefined) {
      const shown = JSON.stringify(bad.length > 40 ? `${bad.slice(0, 40)}...` : bad);
      throw parseError(INVALID_UNICODE, `The request body holds a lone UTF-16 surrogate in ${shown}: text must be well-formed Unicode.`);
    }
  }
  return parsed;
}

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    try {
      done(null, parseJsonBody(request, body));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Any other type, or none: no body passes (bodiless actions send whatever type their client
  // likes), a body without a type is read as JSON, and a body of another type is 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    if (body.length === 0) return done(null, undefined);
    if (request.headers['content-type'] !== undefined) return done(parseError('FST_ERR_CTP_INVALID_MEDIA_TYPE'), undefined);
    try {
      done(null, parseJsonBody(request, body));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
