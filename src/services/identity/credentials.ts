import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import type { Clock } from '../../common/clock.js';
import { Forbidden, InvalidInput, LimitExceeded, NotFound } from '../common/errors.js';
import type { IdentityChanges } from './trust-cache.js';
import { CredentialRepository, type CredentialStatus, type StoredCredential } from './credential-repository.js';
import { IdentityRepository } from './identity-repository.js';

/** IAM's limit: a user holds at most this many permanent access keys. */
export const MAX_KEYS_PER_USER = 2;

/** Who manages keys: a user its own, a cloud administrator anyone's. */
export interface CredentialCaller {
  userId: string | null;
  admin: boolean;
}

export interface NewCredential {
  userId: string;
  description?: string;
  /** The project the key acts in; the user's default project when absent. */
  projectId?: string;
}

export interface CredentialChanges {
  status?: CredentialStatus;
  description?: string;
}

/** An access key as its owner sees it: never its secret. */
export type Credential = Omit<StoredCredential, 'secretKey'>;

/** A key just made: the only time its secret is given out. */
export type CreatedCredential = Credential & { secretKey: string };

function withoutSecret({ secretKey: _secret, ...rest }: StoredCredential): Credential {
  return rest;
}

/**
 * Permanent access keys (AK/SK) as IAM manages them: a user creates, lists, changes and
 * deletes its own, a cloud administrator anyone's; at most two a user; an inactive key signs
 * nothing. The CLI's `vbs admin credential create` comes here too, as an administrator.
 */
export class CredentialService {
  private readonly keys: CredentialRepository;
  private readonly identity: IdentityRepository;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Told of a key changed or deleted: the key may no longer sign. */
    private readonly changes: IdentityChanges,
  ) {
    this.keys = new CredentialRepository(db);
    this.identity = new IdentityRepository(db);
  }

  private mayManage(caller: CredentialCaller, userId: string, action: string): void {
    if (!caller.admin && caller.userId !== userId) {
      throw new Forbidden(`You are not authorized to perform the requested action: ${action}: a user manages its own access keys only.`);
    }
  }

  async create(caller: CredentialCaller, cmd: NewCredential): Promise<CreatedCredential> {
    this.mayManage(caller, cmd.userId, 'identity:create_credential');
    const user = await this.identity.getUser(cmd.userId);
    if (!user) throw new NotFound('user', cmd.userId);
    const projectId = cmd.projectId ?? user.default_project_id;
    if (!projectId) throw new InvalidInput(`user "${user.name}" has no default project; name the project of the key`);
    const project = await this.identity.getProject(projectId);
    if (!project) throw new NotFound('project', projectId);
    if ((await this.identity.rolesOn(user.id, project.id)).length === 0) throw new InvalidInput(`user "${user.name}" has no role on project ${project.name}`);
    const credential: StoredCredential = {
      // 20 upper-case characters and a 40-character secret, the shape users know from AK/SK clouds.
      accessKey: randomBytes(15).toString('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase().padEnd(20, 'X').slice(0, 20),
      secretKey: randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(40, '0').slice(0, 40),
      userId: user.id,
      projectId: project.id,
      status: 'active',
      description: cmd.description ?? '',
      createdAt: this.clock.now(),
    };
    await this.db.transaction().execute(async (tx) => {
      await this.keys.lockUser(user.id, tx);
      const held = (await this.keys.ofUser(user.id, tx)).length;
      if (held >= MAX_KEYS_PER_USER) {
        throw new LimitExceeded(`akSkNumExceed: user "${user.name}" already has ${held} access keys, the most a user may hold; delete one first`);
      }
      await this.keys.insert(credential, tx);
    });
    return { ...withoutSecret(credential), secretKey: credential.secretKey };
  }

  /** The keys of a user (the caller's own when none is named). */
  async list(caller: CredentialCaller, userId?: string): Promise<Credential[]> {
    const owner = userId ?? caller.userId;
    if (owner === null) return [];
    this.mayManage(caller, owner, 'identity:list_credentials');
    return (await this.keys.ofUser(owner)).map(withoutSecret);
  }

  /** A key the caller may manage; another user's is refused, an unknown one not found. */
  private async managed(caller: CredentialCaller, access: string, action: string): Promise<StoredCredential> {
    const key = await this.keys.get(access);
    if (!key) throw new NotFound('credential', access);
    this.mayManage(caller, key.userId, action);
    return key;
  }

  async show(caller: CredentialCaller, access: string): Promise<Credential> {
    return withoutSecret(await this.managed(caller, access, 'identity:get_credential'));
  }

  async update(caller: CredentialCaller, access: string, changes: CredentialChanges): Promise<Credential> {
    const key = await this.managed(caller, access, 'identity:update_credential');
    await this.keys.update(access, changes);
    this.changes.changed();
    return withoutSecret({ ...key, ...changes });
  }

  async delete(caller: CredentialCaller, access: string): Promise<void> {
    await this.managed(caller, access, 'identity:delete_credential');
    await this.keys.delete(access);
    this.changes.changed();
  }

  /** An active key's secret and where it acts, for signature checks; undefined for an unknown or inactive key. */
  async signingKey(access: string): Promise<StoredCredential | undefined> {
    const key = await this.keys.get(access);
    return key?.status === 'active' ? key : undefined;
  }
}
