import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../container.js';
import { getVolumeType, VOLUME_TYPES } from '../../services/volumes/volume-types.js';
import { negotiate } from '../microversion.js';
import { TypeParams, VolumeTypeReplies as R } from '../schemas/cinder-quotas.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { volumeTypeView } from '../views/cinder-volume-types.js';
import { CINDER_PREFIXES } from './cinder-context.js';

type Params = { project_id: string; type_id: string };

/** The volume types SATA, SAS and SSD, at /v2 and /v3. */
export function volumeTypeRoutes(_services: Services): FastifyPluginAsync {
  const tags = ['volume types'];
  return async (app) => {
    for (const prefix of CINDER_PREFIXES) {
      app.get(`${prefix}/types`, { schema: { tags, summary: 'List volume types', params: ProjectParams, response: R.list } }, async (request, reply) => {
        negotiate(request, reply);
        return { volume_types: VOLUME_TYPES.map(volumeTypeView) };
      });
      app.get<{ Params: Params }>(`${prefix}/types/:type_id`, { schema: { tags, summary: 'Show a volume type', params: TypeParams, response: R.one } }, async (request, reply) => {
        negotiate(request, reply);
        return { volume_type: volumeTypeView(getVolumeType(request.params.type_id)) };
      });
    }
  };
}
