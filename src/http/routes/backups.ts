import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../container.js';
import { ApiError } from '../../common/errors.js';
import { cinderBackupRequest, cinderRestoreTarget, parseBackupAction, parseBackupChanges, parseImportRecord } from '../input/backups.js';
import { BACKUP_LISTING } from '../../services/backups/backup-queries.js';
import { atLeast } from '../microversion.js';
import { backupDetail, backupSummary } from '../views/cinder-backups.js';
import { contextKey, nextPageLinks } from '../views/cinder-links.js';
import { listingJson, RenderedViews } from '../views/rendered-views.js';
import { serializerOf } from '../serializers.js';
import type { BackupRevision } from '../../services/backups/backup-repository.js';
import { CINDER_PREFIXES, callerOf, listingQuery, viewContext, type Query } from './cinder-context.js';
import { ProjectParams } from '../schemas/cinder-common.js';
import { BackupActionBody, BackupDetail, BackupListingQuery, BackupParams, BackupSummary, BackupReplies as R, CreateBackupBody, ImportRecordBody, RestoreBackupBody, UpdateBackupBody } from '../schemas/cinder-backups.js';

type Params = { project_id: string; backup_id: string };

/** What listings keep of rendered backups: some 4,000 detail views. */
const RENDERED_VIEW_BYTES = 4 * 1024 * 1024;
const renderDetail = serializerOf(BackupDetail);
const renderSummary = serializerOf(BackupSummary);
const tags = ['backups'];

/** The Cinder-compatible ("native OpenStack") backup routes, at /v2 and /v3. */
export function backupRoutes(services: Services): FastifyPluginAsync {
  const { publicUrl } = services.config;
  return async (app) => {
    // A listing page renders only the backups written since it was last rendered.
    const views = new RenderedViews(RENDERED_VIEW_BYTES);
    for (const prefix of CINDER_PREFIXES) {
      const listing = (detail: boolean) => async (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => {
        const ctx = viewContext(publicUrl, request, reply);
        // Backups' fuzzy filters came with 3.31 (volumes' with 3.34).
        const q = listingQuery(request, ctx, BACKUP_LISTING, '3.31');
        const [view, render] = detail ? [backupDetail, renderDetail] : [backupSummary, renderSummary];
        const variant = `${detail ? 'detail' : 'summary'} ${contextKey(ctx)}`;
        const keyOf = (b: BackupRevision) => `${variant} ${b.id} ${b.revision}`;
        const page = await services.backupQueries.listRevised(ctx.projectId, q, (b) => views.get(keyOf(b)));
        const items = page.items.map((b) => ('kept' in b ? b.kept : views.put(keyOf(b), render(view(b.backup, ctx)))));
        const next = nextPageLinks(ctx, detail ? 'backups/detail' : 'backups', request.query, page.nextMarker);
        return reply.type('application/json; charset=utf-8').send(listingJson('backups', items, next, q.withCount ? page.total : undefined));
      };
      app.get(`${prefix}/backups`, { schema: { tags, summary: 'List backups (summary)', params: ProjectParams, querystring: BackupListingQuery, response: R.list } }, listing(false));
      app.get(`${prefix}/backups/detail`, { schema: { tags, summary: 'List backups with details', params: ProjectParams, querystring: BackupListingQuery, response: R.detail } }, listing(true));

      app.get<{ Params: Params }>(`${prefix}/backups/:backup_id`, { schema: { tags, summary: 'Show a backup', params: BackupParams, response: R.one } }, async (request, reply) => {
        const ctx = viewContext(publicUrl, request, reply);
        return { backup: backupDetail(await services.backupQueries.show(ctx.projectId, request.params.backup_id, ctx.admin), ctx) };
      });

      app.post<{ Params: Params }>(`${prefix}/backups`, { schema: { tags, summary: 'Create a backup', params: ProjectParams, body: CreateBackupBody, response: R.created } }, async (request, reply) => {
        const ctx = viewContext(publicUrl, request, reply);
        const input = cinderBackupRequest(request.body, ctx.version.major === 3 && atLeast(ctx.version, '3.43'));
        const { backup } = await services.backupService.create(callerOf(request), input);
        return reply.status(202).send({ backup: backupSummary(backup, ctx) });
      });

      // Cinder's update came with 3.9, at /v3 only; it answers the summary.
      if (prefix === '/v3/:project_id') {
        app.put<{ Params: Params }>(`${prefix}/backups/:backup_id`, { schema: { tags, summary: 'Update a backup (3.9)', params: BackupParams, body: UpdateBackupBody, response: R.updated } }, async (request, reply) => {
          const ctx = viewContext(publicUrl, request, reply);
          if (!atLeast(ctx.version, '3.9')) throw new ApiError('common.0404', 'The resource could not be found: backups are updated from microversion 3.9.');
          const changes = parseBackupChanges(request.body, atLeast(ctx.version, '3.43'));
          return { backup: backupSummary(await services.backupService.update(callerOf(request), request.params.backup_id, changes), ctx) };
        });
      }

      app.post<{ Params: Params }>(`${prefix}/backups/:backup_id/action`, { schema: { tags, summary: 'Reset the status of or force-delete a backup (admin)', params: BackupParams, body: BackupActionBody, response: R.accepted } }, async (request, reply) => {
        viewContext(publicUrl, request, reply);
        const action = parseBackupAction(request.body);
        if (action.kind === 'reset-status') await services.backupService.resetStatus(callerOf(request), request.params.backup_id, action.status);
        else await services.backupService.forceDelete(callerOf(request), request.params.backup_id);
        return reply.status(202).send();
      });

      app.get<{ Params: Params }>(`${prefix}/backups/:backup_id/export_record`, { schema: { tags, summary: "Export a backup's record (admin)", params: BackupParams, response: R.exported } }, async (request, reply) => {
        viewContext(publicUrl, request, reply);
        const r = await services.backupTransfer.exportRecord(callerOf(request), request.params.backup_id);
        return { 'backup-record': { backup_service: r.backupService, backup_url: r.backupUrl } };
      });

      app.post<{ Params: Params }>(`${prefix}/backups/import_record`, { schema: { tags, summary: 'Import a backup record (admin)', params: ProjectParams, body: ImportRecordBody, response: R.imported } }, async (request, reply) => {
        const ctx = viewContext(publicUrl, request, reply);
        const { backupService, backupUrl } = parseImportRecord(request.body);
        const backup = await services.backupTransfer.importRecord(callerOf(request), backupService, backupUrl);
        return reply.status(201).send({ backup: backupSummary(backup, ctx) });
      });

      app.delete<{ Params: Params }>(`${prefix}/backups/:backup_id`, { schema: { tags, summary: 'Delete a backup', params: BackupParams, response: R.accepted } }, async (request, reply) => {
        viewContext(publicUrl, request, reply);
        await services.backupService.delete(callerOf(request), request.params.backup_id);
        return reply.status(202).send();
      });

      app.post<{ Params: Params }>(`${prefix}/backups/:backup_id/restore`, { schema: { tags, summary: 'Restore a backup', params: BackupParams, body: RestoreBackupBody, response: R.restore } }, async (request, reply) => {
        viewContext(publicUrl, request, reply);
        const { volume } = await services.backupService.restore(callerOf(request), request.params.backup_id, cinderRestoreTarget(request.body));
        return reply.status(202).send({ restore: { backup_id: request.params.backup_id, volume_id: volume.id, volume_name: volume.name } });
      });
    }
  };
}
