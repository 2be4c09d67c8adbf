import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import {
  CreateTypeBody, EncryptionBody, EncryptionKeyParams, ExtraSpecsBody, OneSpecBody, SpecParams, TypeActionBody, TypeListQuery, TypeParams,
  UpdateTypeBody, VolumeTypeReplies as R,
} from '../schemas/cinder-types.js';
import { createTypeRequest, encryptionRequest, extraSpecsRequest, oneSpecRequest, typeAccessAction, updateTypeRequest } from '../input/volume-types.js';
import { booleanOf } from '../input/common.js';
import { createdTypeView, encryptionShowView, encryptionView, updatedTypeView, volumeTypeView } from '../views/cinder-volume-types.js';
import { CINDER_PREFIXES, callerOf, viewContext } from './cinder-context.js';

type Params = { project_id: string; type_id: string; key: string };
type Req = FastifyRequest<{ Params: Params; Querystring: Record<string, unknown> }>;

/** is_public of a type listing: true, false, or "none" for every type (administrators). */
function isPublicFilter(raw: unknown): boolean | null {
  if (raw === undefined) return true;
  if (typeof raw === 'string' && raw.toLowerCase() === 'none') return null;
  return booleanOf(raw, 'is_public');
}

/** Volume types with their extra specs, project access and encryption settings, at /v2 and /v3. */
export function volumeTypeRoutes(services: Services): FastifyPluginAsync {
  const types = services.volumeTypes;
  const tags = ['volume types'];
  const negotiate = (request: FastifyRequest, reply: FastifyReply) => viewContext(services.config.publicUrl, request, reply);
  const shown = async (request: Req, nameOrId: string) => {
    const caller = callerOf(request);
    const t = await types.visible(caller, nameOrId);
    return { volume_type: volumeTypeView(t, types.visibleSpecs(caller, t), caller.admin) };
  };
  return async (app) => {
    for (const prefix of CINDER_PREFIXES) {
      const one = `${prefix}/types/:type_id`;
      app.get<{ Params: Params; Querystring: Record<string, unknown> }>(`${prefix}/types`, { schema: { tags, summary: 'List volume types', params: ProjectParams, querystring: TypeListQuery, response: R.list } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        const list = await types.list(caller, isPublicFilter(request.query.is_public));
        return { volume_types: list.map((t) => volumeTypeView(t, types.visibleSpecs(caller, t), caller.admin)) };
      });
      app.get<{ Params: Params }>(`${prefix}/types/default`, { schema: { tags, summary: 'Show the default volume type', params: ProjectParams, response: R.one } }, async (request, reply) => {
        negotiate(request, reply);
        return shown(request as Req, (await types.defaultType()).id);
      });
      app.post<{ Params: Params }>(`${prefix}/types`, { schema: { tags, summary: 'Create a volume type (admin)', params: ProjectParams, body: CreateTypeBody, response: R.created } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        types.authorize(caller, 'creating volume types');
        return { volume_type: createdTypeView(await types.create(caller, createTypeRequest(request.body))) };
      });
      app.get<{ Params: Params }>(one, { schema: { tags, summary: 'Show a volume type', params: TypeParams, response: R.one } }, async (request, reply) => {
        negotiate(request, reply);
        return shown(request as Req, request.params.type_id);
      });
      app.put<{ Params: Params }>(one, { schema: { tags, summary: 'Update a volume type (admin)', params: TypeParams, body: UpdateTypeBody, response: R.updated } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        types.authorize(caller, 'updating volume types');
        return { volume_type: updatedTypeView(await types.update(caller, request.params.type_id, updateTypeRequest(request.body))) };
      });
      app.delete<{ Params: Params }>(one, { schema: { tags, summary: 'Delete a volume type no volume uses (admin)', params: TypeParams, response: R.accepted } }, async (request, reply) => {
        negotiate(request, reply);
        await types.delete(callerOf(request), request.params.type_id);
        return reply.status(202).send();
      });

      app.get<{ Params: Params }>(`${one}/extra_specs`, { schema: { tags, summary: "List a volume type's extra specs", params: TypeParams, response: R.specs } }, async (request, reply) => {
        negotiate(request, reply);
        return { extra_specs: await types.specs(callerOf(request), request.params.type_id) };
      });
      app.post<{ Params: Params }>(`${one}/extra_specs`, { schema: { tags, summary: 'Set extra specs of a volume type no volume uses (admin)', params: TypeParams, body: ExtraSpecsBody, response: R.specs } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        types.authorize(caller, 'changing volume type extra specs');
        return { extra_specs: await types.setSpecs(caller, request.params.type_id, extraSpecsRequest(request.body)) };
      });
      app.get<{ Params: Params }>(`${one}/extra_specs/:key`, { schema: { tags, summary: 'Show an extra spec of a volume type', params: SpecParams, response: R.spec } }, async (request, reply) => {
        negotiate(request, reply);
        return types.spec(callerOf(request), request.params.type_id, request.params.key);
      });
      app.put<{ Params: Params }>(`${one}/extra_specs/:key`, { schema: { tags, summary: 'Set one extra spec of a volume type no volume uses (admin)', params: SpecParams, body: OneSpecBody, response: R.spec } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        types.authorize(caller, 'changing volume type extra specs');
        return types.setSpecs(caller, request.params.type_id, oneSpecRequest(request.body, request.params.key));
      });
      app.delete<{ Params: Params }>(`${one}/extra_specs/:key`, { schema: { tags, summary: 'Delete an extra spec of a volume type no volume uses (admin)', params: SpecParams, response: R.accepted } }, async (request, reply) => {
        negotiate(request, reply);
        await types.deleteSpec(callerOf(request), request.params.type_id, request.params.key);
        return reply.status(202).send();
      });

      app.post<{ Params: Params }>(`${one}/action`, { schema: { tags, summary: 'Give a project access to a private volume type, or take it back (admin)', params: TypeParams, body: TypeActionBody, response: R.accepted } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        types.authorize(caller, 'managing volume type access');
        const { action, projectId } = typeAccessAction(request.body);
        if (action === 'add') await types.addAccess(caller, request.params.type_id, projectId);
        else await types.removeAccess(caller, request.params.type_id, projectId);
        return reply.status(202).send();
      });
      app.get<{ Params: Params }>(`${one}/os-volume-type-access`, { schema: { tags, summary: 'List the projects given a private volume type (admin)', params: TypeParams, response: R.access } }, async (request, reply) => {
        negotiate(request, reply);
        const list = await types.accessList(callerOf(request), request.params.type_id);
        return { volume_type_access: list.map((a) => ({ volume_type_id: a.volumeTypeId, project_id: a.projectId })) };
      });

      app.get<{ Params: Params }>(`${one}/encryption`, { schema: { tags, summary: "Show a volume type's encryption settings, {} without (admin)", params: TypeParams, response: R.encryption } }, async (request, reply) => {
        negotiate(request, reply);
        return encryptionShowView(await types.encryption(callerOf(request), request.params.type_id));
      });
      app.get<{ Params: Params }>(`${one}/encryption/:key`, { schema: { tags, summary: "Show one of a volume type's encryption settings (admin)", params: EncryptionKeyParams, response: R.encryptionItem } }, async (request, reply) => {
        negotiate(request, reply);
        const shownEncryption: Record<string, unknown> = encryptionShowView(await types.encryption(callerOf(request), request.params.type_id));
        const key = request.params.key;
        return key in shownEncryption ? { [key]: shownEncryption[key] } : {};
      });
      app.post<{ Params: Params }>(`${one}/encryption`, { schema: { tags, summary: 'Record encryption settings of a volume type no volume uses (admin; the service does not encrypt)', params: TypeParams, body: EncryptionBody, response: R.encryptionCreated } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        types.authorize(caller, 'managing volume type encryption');
        const settings = encryptionRequest(request.body, true);
        return { encryption: encryptionView(await types.createEncryption(caller, request.params.type_id, { ...settings, provider: settings.provider! })) };
      });
      app.put<{ Params: Params }>(`${one}/encryption/:key`, { schema: { tags, summary: 'Change encryption settings of a volume type no volume uses (admin)', params: EncryptionKeyParams, body: EncryptionBody, response: R.encryptionUpdated } }, async (request, reply) => {
        negotiate(request, reply);
        const caller = callerOf(request);
        types.authorize(caller, 'managing volume type encryption');
        const settings = encryptionRequest(request.body, false);
        await types.updateEncryption(caller, request.params.type_id, settings);
        // Cinder answers with the settings it was given.
        const given = { key_size: settings.keySize, provider: settings.provider, control_location: settings.controlLocation, cipher: settings.cipher };
        return { encryption: Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
      });
      app.delete<{ Params: Params }>(`${one}/encryption/:key`, { schema: { tags, summary: "Delete a volume type's encryption settings (admin)", params: EncryptionKeyParams, response: R.accepted } }, async (request, reply) => {
        negotiate(request, reply);
        await types.deleteEncryption(callerOf(request), request.params.type_id);
        return reply.status(202).send();
      });
    }
  };
}
