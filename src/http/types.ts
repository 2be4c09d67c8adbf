import type { Principal } from '../services/identity/roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as; set by the auth hook on every non-public route. */
    principal: Principal;
    /** The body as received, for AK/SK signatures (they sign its hash). */
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    /** Served without credentials. */
    public?: boolean;
    /** Writes that a reader may still make (e.g. revoking its own token). */
    readerMayWrite?: boolean;
  }
}
