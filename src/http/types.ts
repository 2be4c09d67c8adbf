import type { Principal } from '../services/identity/roles.js';
import type { RouteTable } from './route-table.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app, for 405s and for checking the API document. */
    routeTable: RouteTable;
  }
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
