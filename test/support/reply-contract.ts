import { Ajv, type ValidateFunction } from 'ajv';
import type { ReplyObserver } from '../../src/http/app.js';

/**
 * Holds every reply a test server sends to its route's response schema: a reply whose status
 * the route does not document, or whose body its schema refuses, is a violation; the server's
 * close() fails with the list.
 */
// Route schemas are module constants: one compilation each serves every server of the test process.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new WeakMap<object, ValidateFunction>();

export class ReplyContract {
  readonly violations: string[] = [];

  readonly observe: ReplyObserver = ({ method, url, route, schema, status, body }) => {
    // Replies of no route (404, 405 of unknown paths) have no contract of their own.
    if (!route) return;
    const responses = schema?.response as Record<string, object> | undefined;
    if (!responses) return;
    const expected = responses[String(status)] ?? responses[`${String(status)[0]}xx`] ?? responses.default;
    const where = `${method} ${url} (route ${route}) answered ${status}`;
    if (!expected) {
      this.violations.push(`${where}, a status its schema does not document`);
      return;
    }
    let validate = compiled.get(expected);
    if (!validate) {
      validate = ajv.compile(expected);
      compiled.set(expected, validate);
    }
    const value = body === undefined ? null : body;
    if (!validate(value)) {
      const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
      this.violations.push(`${where}, a body its schema refuses: ${errors}; body: ${JSON.stringify(value).slice(0, 300)}`);
    }
  };

  assertClean(): void {
    if (this.violations.length > 0) throw new Error(`replies outside their route's contract:\n${this.violations.join('\n')}`);
  }
}
