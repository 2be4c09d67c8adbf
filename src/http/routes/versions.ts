import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { MAX_MICROVERSION, MIN_MICROVERSION } from '../microversion.js';
import { VersionReplies as R, type Version } from '../schemas/versions.js';
import { wantsConsole } from './console.js';

const MEDIA_TYPES = [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }];

export function versionDocuments(publicUrl: string): { v2: Version; v3: Version } {
  const v2 = {
    id: 'v2.0',
    status: 'DEPRECATED',
    version: '',
    min_version: '',
    updated: '2017-02-25T12:00:00Z',
    links: [{ href: `${publicUrl}/v2/`, rel: 'self' }],
    'media-types': MEDIA_TYPES,
  };
  const v3 = {
    id: 'v3.0',
    status: 'CURRENT',
    version: MAX_MICROVERSION,
    min_version: MIN_MICROVERSION,
    updated: '2026-01-01T00:00:00Z',
    links: [{ href: `${publicUrl}/v3/`, rel: 'self' }],
    'media-types': MEDIA_TYPES,
  };
  return { v2, v3 };
}

/** OpenStack version discovery: what cinderclient and openstackclient read first. */
export function versionRoutes(services: Services): FastifyPluginAsync {
  const { v2, v3 } = versionDocuments(services.config.publicUrl);
  return async (app) => {
    const config = { public: true };
    const tags = ['versions'];
    // Discovery comes before credentials.
    const security: Array<Record<string, string[]>> = [];
    app.get('/', { config, schema: { tags, summary: 'Block storage versions (300 Multiple Choices); a browser (Accept: text/html) is sent to the web console', security, response: R.choices } }, async (request, reply) =>
      wantsConsole(request.headers.accept) ? reply.redirect('/console/', 302) : reply.status(300).send({ versions: [v2, v3] }),
    );
    app.get('/v2', { config, schema: { tags, summary: 'Block storage v2 version document', security, response: R.one } }, async () => ({ versions: [v2] }));
    app.get('/v3', { config, schema: { tags, summary: 'Block storage v3 version document', security, response: R.one } }, async () => ({ versions: [v3] }));
  };
}
