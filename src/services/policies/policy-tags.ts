import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { LimitExceeded, NotFound } from '../common/errors.js';
import { MAX_TAGS_PER_POLICY, type Policy, type PolicyRepository, type Tag } from './policy-repository.js';
import type { PolicyService } from './policy-service.js';


/** A tag to remove: without a value it goes whatever its value; with one, only when the value matches. */
export interface TagToDelete {
  key: string;
  value?: string;
}

/**
 * Tags changed together: create adds or overwrites tags; update sets the values of keys the
 * policy has (all must exist); delete removes keys, those given with a value only when it matches.
 */
export type TagBatch = { action: 'create' | 'update'; tags: Tag[] } | { action: 'delete'; tags: TagToDelete[] };

/** One condition of a tag query: the key, with any of the values (any value at all when none are listed). */
export interface TagCondition {
  key: string;
  values: string[];
}

export interface TagQuery {
  /** count answers the total alone. */
  action: 'filter' | 'count';
  tags: TagCondition[];
  tagsAny: TagCondition[];
  notTags: TagCondition[];
  notTagsAny: TagCondition[];
  /** Part of the policy name, matched case-insensitively. */
  nameMatch: string | null;
  limit: number;
  offset: number;
}

/** Whether a policy's tags meet a query: tags (all), tags_any (one), not_tags (not all), not_tags_any (none). */
export function tagsMatch(tags: readonly Tag[], q: Pick<TagQuery, 'tags' | 'tagsAny' | 'notTags' | 'notTagsAny'>): boolean {
  const has = (c: TagCondition) => tags.some((t) => t.key === c.key && (c.values.length === 0 || c.values.includes(t.value)));
  if (!q.tags.every(has)) return false;
  if (q.tagsAny.length > 0 && !q.tagsAny.some(has)) return false;
  if (q.notTags.length > 0 && q.notTags.every(has)) return false;
  if (q.notTagsAny.some(has)) return false;
  return true;
}

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
  async add(caller: Caller, policyId: string, tag: Tag): Promise<void> {
    await this.change(caller, policyId, [tag], []);
  }

  async remove(caller: Caller, policyId: string, key: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const p = await this.policies.get(caller, policyId, tx);
      if (!(await this.repo.tagsOf(p.id, tx)).some((t) => t.key === key)) {
        throw new NotFound('tag', key, `Backup policy ${p.id} has no tag ${key}.`);
      }
      await this.repo.deleteTags(p.id, [key], tx);
    });
  }

  async batch(caller: Caller, policyId: string, batch: TagBatch): Promise<void> {
    if (batch.action === 'delete') return this.change(caller, policyId, [], batch.tags);
    return this.change(caller, policyId, batch.tags, [], batch.action === 'update');
  }

  private async change(caller: Caller, policyId: string, put: readonly Tag[], drop: readonly TagToDelete[], existingOnly = false): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const p = await this.policies.get(caller, policyId, tx);
      const current = new Map((await this.repo.tagsOf(p.id, tx)).map((t) => [t.key, t.value]));
      const missing = put.filter((t) => !current.has(t.key)).map((t) => t.key);
      if (existingOnly && missing.length > 0) throw new NotFound('tag', missing.join(', '), `Backup policy ${p.id} has no tag ${missing.join(', ')} to update.`);
      const keys = drop.filter((t) => current.has(t.key) && (t.value === undefined || current.get(t.key) === t.value)).map((t) => t.key);
      if (current.size + missing.length - keys.length > MAX_TAGS_PER_POLICY) {
        throw new LimitExceeded(`A backup policy has at most ${MAX_TAGS_PER_POLICY} tags; policy ${p.id} has ${current.size} and this adds ${missing.length}.`, 'policy.tags-limit');
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
  async query(caller: Caller, q: TagQuery): Promise<TagQueryResult> {
    const [policies, tags] = await Promise.all([this.repo.listInProject(caller.projectId), this.repo.tagsInProject(caller.projectId)]);
    const name = q.nameMatch?.toLowerCase();
    const matching = policies
      .map((policy) => ({ policy, tags: tags.get(policy.id) ?? [] }))
      .filter((t) => tagsMatch(t.tags, q) && (name === undefined || t.policy.name.toLowerCase().includes(name)));
    return { action: q.action, total: matching.length, page: q.action === 'count' ? [] : matching.slice(q.offset, q.offset + q.limit) };
  }
}
