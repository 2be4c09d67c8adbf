import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { NotFound } from '../common/errors.js';

/** What failed, as Cinder's message actions number them. */
export const MESSAGE_ACTIONS = {
  scheduleAllocateVolume: { id: '001', text: 'schedule allocate volume' },
} as const;

/** Why it failed, as Cinder's message details number them. */
export const MESSAGE_DETAILS = {
  noValidBackend: { id: '003', text: 'No back end can hold this volume: none satisfies its volume type, or its volume service is disabled.' },
} as const;

type Action = (typeof MESSAGE_ACTIONS)[keyof typeof MESSAGE_ACTIONS];
type Detail = (typeof MESSAGE_DETAILS)[keyof typeof MESSAGE_DETAILS];

/** A message is kept this long at least (Cinder's message_ttl). */
const TTL_MS = 30 * 24 * 3600 * 1000;

export interface UserMessage {
  id: string;
  projectId: string;
  requestId: string;
  resourceType: string | null;
  resourceUuid: string | null;
  eventId: string;
  level: 'ERROR';
  userMessage: string;
  createdAt: Date;
  guaranteedUntil: Date;
}

const ACTION_TEXT = new Map<string, string>(Object.values(MESSAGE_ACTIONS).map((a) => [a.id, a.text]));
const DETAIL_TEXT = new Map<string, string>(Object.values(MESSAGE_DETAILS).map((d) => [d.id, d.text]));

function notFound(id: string): NotFound {
  return new NotFound('message', id, `Message ${id} could not be found.`);
}

/** Cinder's user messages (3.3): what an asynchronous failure tells the project it happened to. */
export class UserMessages {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async record(projectId: string, resource: { type: 'VOLUME'; id: string }, action: Action, detail: Detail): Promise<void> {
    const now = this.clock.now();
    await this.db
      .insertInto('user_messages')
      .values({
        id: newUuid(),
        project_id: projectId,
        request_id: `req-${newUuid()}`,
        resource_type: resource.type,
        resource_uuid: resource.id,
        event_id: `VOLUME_${resource.type}_${action.id}_${detail.id}`,
        message_level: 'ERROR',
        action_id: action.id,
        detail_id: detail.id,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + TTL_MS).toISOString(),
      })
      .execute();
  }

  private view(r: Database['user_messages']): UserMessage {
    return {
      id: r.id,
      projectId: r.project_id,
      requestId: r.request_id,
      resourceType: r.resource_type,
      resourceUuid: r.resource_uuid,
      eventId: r.event_id,
      level: 'ERROR',
      userMessage: `${ACTION_TEXT.get(r.action_id) ?? 'unknown action'}: ${DETAIL_TEXT.get(r.detail_id) ?? 'An unknown error occurred.'}`,
      createdAt: new Date(r.created_at),
      guaranteedUntil: new Date(r.expires_at),
    };
  }

  /** The caller's project's messages, newest first; an administrator sees every project's. */
  async list(caller: Caller): Promise<UserMessage[]> {
    let q = this.db.selectFrom('user_messages').selectAll().orderBy('created_at', 'desc').orderBy('id');
    if (!caller.admin) q = q.where('project_id', '=', caller.projectId);
    return (await q.execute()).map((r) => this.view(r));
  }

  async get(caller: Caller, id: string): Promise<UserMessage> {
    const r = isUuid(id) ? await this.db.selectFrom('user_messages').selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst() : undefined;
    if (!r || (!caller.admin && r.project_id !== caller.projectId)) throw notFound(id);
    return this.view(r);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    const m = await this.get(caller, id);
    await this.db.deleteFrom('user_messages').where('id', '=', m.id).execute();
  }
}
