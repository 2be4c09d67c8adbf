import type { Kysely } from 'kysely';
import { ApiError } from '../../common/errors.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { requireBody } from './policy-input.js';
import type { Policy, PolicyRepository } from './policy-repository.js';
import type { PolicyService } from './policy-service.js';
import { MAX_TAGS_PER_POLICY, readTag, readTagKey, readTagList, readTagQuery, tagsMatch, type Tag, type TagToDelete } from './tag-input.js';

export interface TaggedPolicy {
  policy: Policy;
  tags: Tag[];
}

/** What a tag query answers: the matching policies of one page and how many match in all. */
export interface TagQueryResult {
  action: 'filter' | 'count';
  total: number;
  page: TaggedPolicy[];
}

/** Tags of backup policies: per policy, across the project, and policies found by their tags. */
export class PolicyTagService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: PolicyRepository,
    private readonly policies: PolicyService,
  ) {}

  async list(caller: Caller, policyId: string): Promise<Tag[]> {
    const p = await this.policies.get(caller, policyId);
    return this.repo.tagsOf(p.id);
  }

  /** Adds one tag, or sets the value of the key the policy already has. */
  async add(caller: Caller, policyId: string, body: unknown): Promise<void> {
    const tag = readTag(requireBody(body).tag, 'tag');
    await this.change(caller, policyId, [tag], []);
  }

  async remove(caller: Caller, policyId: string, rawKey: string): Promise<void> {
    const key = readTagKey(rawKey, 'The tag key');
    await this.db.transaction().execute(async (tx) => {
      const p = await this.policies.get(caller, policyId, tx);
      if (!(await this.repo.tagsOf(p.id, tx)).some((t) => t.key === key)) {
        throw new ApiError('common.0404', `Backup policy ${p.id} has no tag ${key}.`);
      }
      await this.repo.deleteTags(p.id, [key], tx);
    });
  }

  /**
   * create adds or overwrites tags; update sets the values of keys the policy has (all must
   * exist); delete removes keys, those given with a value only when the value matches.
   */
  async batch(caller: Caller, policyId: string, body: unknown): Promise<void> {
    const b = requireBody(body);
    if (b.action !== 'create' && b.action !== 'update' && b.action !== 'delete') {
      throw new ApiError('AutoBackup.0222', 'action must be "create", "update" or "delete".');
    }
    if (b.action === 'delete') return this.change(caller, policyId, [], readTagList(b.tags, 'tags', 'delete'));
    const tags = readTagList(b.tags, 'tags', 'create');
    return this.change(caller, policyId, tags, [], b.action === 'update');
  }

  private async change(caller: Caller, policyId: string, put: Tag[], drop: TagToDelete[], existingOnly = false): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const p = await this.policies.get(caller, policyId, tx);
      const current = new Map((await this.repo.tagsOf(p.id, tx)).map((t) => [t.key, t.value]));
      const missing = put.filter((t) => !current.has(t.key)).map((t) => t.key);
      if (existingOnly && missing.length > 0) throw new ApiError('common.0404', `Backup policy ${p.id} has no tag ${missing.join(', ')} to update.`);
      const keys = drop.filter((t) => current.has(t.key) && (t.value === undefined || current.get(t.key) === t.value)).map((t) => t.key);
      if (current.size + missing.length - keys.length > MAX_TAGS_PER_POLICY) {
        throw new ApiError('VolumeBackup.0050', `A backup policy has at most ${MAX_TAGS_PER_POLICY} tags; policy ${p.id} has ${current.size} and this adds ${missing.length}.`);
      }
      await this.repo.deleteTags(p.id, keys, tx);
      await this.repo.putTags(p.id, put, tx);
    });
  }

  /** Every key used on the project's policies with its distinct values, keys and values sorted. */
  async projectTags(caller: Caller): Promise<Array<{ key: string; values: string[] }>> {
    const byKey = new Map<string, Set<string>>();
    for (const tags of (await this.repo.tagsInProject(caller.projectId)).values()) {
      for (const t of tags) byKey.set(t.key, (byKey.get(t.key) ?? new Set()).add(t.value));
    }
    return [...byKey.keys()].sort().map((key) => ({ key, values: [...byKey.get(key)!].sort() }));
  }

  /** The project's policies whose tags and name meet the query, oldest first. */
  async query(caller: Caller, body: unknown): Promise<TagQueryResult> {
    const q = readTagQuery(requireBody(body));
    const [policies, tags] = await Promise.all([this.repo.listInProject(caller.projectId), this.repo.tagsInProject(caller.projectId)]);
    const name = q.nameMatch?.toLowerCase();
    const matching = policies
      .map((policy) => ({ policy, tags: tags.get(policy.id) ?? [] }))
      .filter((t) => tagsMatch(t.tags, q) && (name === undefined || t.policy.name.toLowerCase().includes(name)));
    return { action: q.action, total: matching.length, page: q.action === 'count' ? [] : matching.slice(q.offset, q.offset + q.limit) };
  }
}
