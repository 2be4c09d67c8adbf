import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../common/errors.js';

type Executor = Kysely<Database>;

/** A volume type: its extra specs select where volumes of it may go; private ones are seen only by projects given access. */
export interface VolumeType {
  id: string;
  name: string;
  description: string | null;
  isPublic: boolean;
  /** SATA, SAS and SSD: on every installation, never deleted. */
  builtIn: boolean;
  extraSpecs: Record<string, string>;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface VolumeTypeEncryption {
  volumeTypeId: string;
  encryptionId: string;
  provider: string;
  cipher: string | null;
  keySize: number | null;
  controlLocation: 'front-end' | 'back-end';
  createdAt: Date;
  updatedAt: Date | null;
}

export interface CreateVolumeType {
  name: string;
  description: string | null;
  isPublic: boolean;
  extraSpecs: Record<string, string>;
}

export interface EditVolumeType {
  name?: string;
  description?: string | null;
  isPublic?: boolean;
}

export type EncryptionSettings = Partial<Pick<VolumeTypeEncryption, 'provider' | 'cipher' | 'keySize' | 'controlLocation'>>;

/** The type new volumes get when they name none. */
export const DEFAULT_VOLUME_TYPE_ID = '5f4c1b2e-9a61-4d55-8c3e-0a1b2c3d4e01';

/** Extra specs every project may read; the others only administrators (Cinder's user-visible specs). */
const USER_VISIBLE_SPECS = ['RESKEY:availability_zones', 'multiattach', 'replication_enabled'];

function adminOnly(caller: Caller, what: string): void {
  if (!caller.admin) throw new Forbidden(`Policy does not allow ${what}: only administrators may.`);
}

function typeNotFound(id: string): NotFound {
  return new NotFound('volume_type', id, `Volume type ${id} could not be found.`);
}

type TypeRow = Database['volume_types'];

/** Volume types, their extra specs, project access and encryption settings (os-types-manage, os-volume-type-access). */
export class VolumeTypes {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Refuses a caller who may not make a change, before its body is read (Cinder checks policy first). */
  authorize(caller: Caller, what: string): void {
    adminOnly(caller, what);
  }

  private async load(rows: TypeRow[], ex: Executor): Promise<VolumeType[]> {
    if (rows.length === 0) return [];
    const specs = await ex.selectFrom('volume_type_extra_specs').selectAll().where('type_id', 'in', rows.map((r) => r.id)).orderBy('spec_key').execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      isPublic: Number(r.is_public) === 1,
      builtIn: Number(r.built_in) === 1,
      extraSpecs: Object.fromEntries(specs.filter((s) => s.type_id === r.id).map((s) => [s.spec_key, s.spec_value])),
      createdAt: new Date(r.created_at),
      updatedAt: r.updated_at ? new Date(r.updated_at) : null,
    }));
  }

  /** A type by id, or by name as Cinder also accepts; whoever asks. */
  async find(nameOrId: string, ex: Executor = this.db): Promise<VolumeType | undefined> {
    const wanted = nameOrId.trim();
    let row = isUuid(wanted) ? await ex.selectFrom('volume_types').selectAll().where('id', '=', wanted.toLowerCase()).executeTakeFirst() : undefined;
    row ??= await ex.selectFrom('volume_types').selectAll().where('name', '=', wanted).executeTakeFirst();
    // The built-in names were matched in any case before types became records.
    row ??= (await ex.selectFrom('volume_types').selectAll().where('built_in', '=', 1).execute()).find((r) => r.name.toLowerCase() === wanted.toLowerCase());
    return row ? (await this.load([row], ex))[0] : undefined;
  }

  private async mayUse(caller: Caller, t: VolumeType, ex: Executor): Promise<boolean> {
    if (t.isPublic || caller.admin) return true;
    const row = await ex.selectFrom('volume_type_access').select('type_id').where('type_id', '=', t.id).where('project_id', '=', caller.projectId).executeTakeFirst();
    return row !== undefined;
  }

  /** A type the caller may see and use: public, given to its project, or any for an administrator; 404 otherwise. */
  async visible(caller: Caller, nameOrId: string, ex: Executor = this.db): Promise<VolumeType> {
    const t = await this.find(nameOrId, ex);
    if (!t || !(await this.mayUse(caller, t, ex))) throw typeNotFound(nameOrId);
    return t;
  }

  /** The type a new volume asks for by name or id, the default when it names none. */
  async forNewVolume(caller: Caller, nameOrId: string | undefined, ex: Executor = this.db): Promise<VolumeType> {
    if (nameOrId === undefined || nameOrId === '') return this.defaultType();
    return this.visible(caller, nameOrId, ex);
  }

  async defaultType(): Promise<VolumeType> {
    const t = await this.find(DEFAULT_VOLUME_TYPE_ID);
    if (!t) throw typeNotFound(DEFAULT_VOLUME_TYPE_ID);
    return t;
  }

  /** Every type's name, for the per-type quota keys. */
  async names(ex: Executor = this.db): Promise<string[]> {
    const rows = await ex.selectFrom('volume_types').select('name').orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => r.name);
  }

  /**
   * The types a caller lists: public ones and those given to its project; an administrator
   * may ask for private ones only (`isPublic` false) or every one (null).
   */
  async list(caller: Caller, isPublic: boolean | null): Promise<VolumeType[]> {
    let q = this.db.selectFrom('volume_types').selectAll().orderBy('created_at', 'desc').orderBy('id');
    const wanted = caller.admin ? isPublic : true;
    if (wanted !== null) {
      const granted = this.db.selectFrom('volume_type_access').select('type_id').where('project_id', '=', caller.projectId);
      q = wanted ? q.where((eb) => eb.or([eb('is_public', '=', 1), eb('id', 'in', granted)])) : q.where('is_public', '=', 0);
    }
    return this.load(await q.execute(), this.db);
  }

  /** What a caller sees of a type's extra specs: all of them for administrators. */
  visibleSpecs(caller: Caller, t: VolumeType): Record<string, string> {
    if (caller.admin) return t.extraSpecs;
    return Object.fromEntries(Object.entries(t.extraSpecs).filter(([k]) => USER_VISIBLE_SPECS.includes(k)));
  }

  async create(caller: Caller, cmd: CreateVolumeType): Promise<VolumeType> {
    adminOnly(caller, 'creating volume types');
    const id = newUuid();
    const now = this.clock.now().toISOString();
    await this.db.transaction().execute(async (tx) => {
      if (await tx.selectFrom('volume_types').select('id').where('name', '=', cmd.name).executeTakeFirst()) throw exists(cmd.name);
      await tx.insertInto('volume_types').values({ id, name: cmd.name, description: cmd.description, is_public: cmd.isPublic ? 1 : 0, built_in: 0, created_at: now, updated_at: null }).execute();
      for (const [k, v] of Object.entries(cmd.extraSpecs)) await tx.insertInto('volume_type_extra_specs').values({ type_id: id, spec_key: k, spec_value: v }).execute();
    });
    return (await this.find(id))!;
  }

  /** Renames a type (volumes and quotas that name it follow), describes it, or makes it public or private. */
  async update(caller: Caller, idOrName: string, change: EditVolumeType): Promise<VolumeType> {
    adminOnly(caller, 'updating volume types');
    const t = await this.find(idOrName);
    if (!t) throw typeNotFound(idOrName);
    if (t.builtIn && change.name !== undefined && change.name !== t.name) throw new InvalidInput(`Volume type ${t.name} is built in; it keeps its name.`);
    await this.db.transaction().execute(async (tx) => {
      const set: Partial<TypeRow> = { updated_at: this.clock.now().toISOString() };
      if (change.name !== undefined && change.name !== t.name) {
        if (await tx.selectFrom('volume_types').select('id').where('name', '=', change.name).executeTakeFirst()) throw exists(change.name);
        set.name = change.name;
        for (const table of ['volumes', 'snapshots', 'backups'] as const) {
          await tx.updateTable(table).set({ volume_type: change.name }).where('volume_type', '=', t.name).execute();
        }
        for (const r of ['volumes', 'gigabytes', 'snapshots']) {
          await tx.updateTable('quotas').set({ resource: `${r}_${change.name}` }).where('resource', '=', `${r}_${t.name}`).execute();
          await tx.updateTable('quota_classes').set({ resource: `${r}_${change.name}` }).where('resource', '=', `${r}_${t.name}`).execute();
        }
      }
      if (change.description !== undefined) set.description = change.description;
      if (change.isPublic !== undefined) set.is_public = change.isPublic ? 1 : 0;
      await tx.updateTable('volume_types').set(set).where('id', '=', t.id).execute();
    });
    return (await this.find(t.id))!;
  }

  private async inUse(t: VolumeType, ex: Executor): Promise<boolean> {
    return (await ex.selectFrom('volumes').select('id').where('volume_type', '=', t.name).limit(1).executeTakeFirst()) !== undefined;
  }

  async delete(caller: Caller, idOrName: string): Promise<void> {
    adminOnly(caller, 'deleting volume types');
    const t = await this.find(idOrName);
    if (!t) throw typeNotFound(idOrName);
    if (t.builtIn) throw new InvalidInput(`Volume type ${t.name} is built in and cannot be deleted.`);
    await this.db.transaction().execute(async (tx) => {
      if (await this.inUse(t, tx)) throw new InvalidInput('Target volume type is still in use.');
      await tx.deleteFrom('volume_type_extra_specs').where('type_id', '=', t.id).execute();
      await tx.deleteFrom('volume_type_access').where('type_id', '=', t.id).execute();
      await tx.deleteFrom('volume_type_encryption').where('type_id', '=', t.id).execute();
      await tx.deleteFrom('volume_types').where('id', '=', t.id).execute();
    });
  }

  // Extra specs

  /** A type the caller may see, for its extra specs and encryption. */
  private async typeFor(caller: Caller, typeId: string, ex: Executor = this.db): Promise<VolumeType> {
    return this.visible(caller, typeId, ex);
  }

  async specs(caller: Caller, typeId: string): Promise<Record<string, string>> {
    return this.visibleSpecs(caller, await this.typeFor(caller, typeId));
  }

  async spec(caller: Caller, typeId: string, key: string): Promise<Record<string, string>> {
    const specs = await this.specs(caller, typeId);
    if (!(key in specs)) throw new NotFound('metadata', key, `Volume Type ${typeId} has no extra specs with key ${key}.`);
    return { [key]: specs[key] };
  }

  private async changeableSpecs(caller: Caller, typeId: string, ex: Executor): Promise<VolumeType> {
    adminOnly(caller, 'changing volume type extra specs');
    const t = await this.typeFor(caller, typeId, ex);
    if (await this.inUse(t, ex)) throw new InvalidInput('Volume Type is currently in use.');
    return t;
  }

  /** Sets the given specs, keeping the others; answers what was set. */
  async setSpecs(caller: Caller, typeId: string, specs: Record<string, string>): Promise<Record<string, string>> {
    await this.db.transaction().execute(async (tx) => {
      const t = await this.changeableSpecs(caller, typeId, tx);
      const both = { ...t.extraSpecs, ...specs };
      if (both.multiattach === '<is> True' && both.cacheable === '<is> True') throw new InvalidInput('cacheable cannot be set with multiattach.');
      for (const [k, v] of Object.entries(specs)) {
        await tx
          .insertInto('volume_type_extra_specs')
          .values({ type_id: t.id, spec_key: k, spec_value: v })
          .onConflict((oc) => oc.columns(['type_id', 'spec_key']).doUpdateSet({ spec_value: v }))
          .execute();
      }
      await tx.updateTable('volume_types').set({ updated_at: this.clock.now().toISOString() }).where('id', '=', t.id).execute();
    });
    return specs;
  }

  async deleteSpec(caller: Caller, typeId: string, key: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const t = await this.changeableSpecs(caller, typeId, tx);
      const gone = await tx.deleteFrom('volume_type_extra_specs').where('type_id', '=', t.id).where('spec_key', '=', key).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) throw new NotFound('metadata', key, `Volume Type ${typeId} has no extra specs with key ${key}.`);
    });
  }

  // Project access of private types

  private async privateType(caller: Caller, typeId: string): Promise<VolumeType> {
    adminOnly(caller, 'managing volume type access');
    const t = await this.find(typeId);
    if (!t) throw typeNotFound(typeId);
    return t;
  }

  async accessList(caller: Caller, typeId: string): Promise<Array<{ volumeTypeId: string; projectId: string }>> {
    const t = await this.privateType(caller, typeId);
    if (t.isPublic) throw new NotFound('volume_type', typeId, 'Access list not available for public volume types.');
    const rows = await this.db.selectFrom('volume_type_access').selectAll().where('type_id', '=', t.id).orderBy('project_id').execute();
    return rows.map((r) => ({ volumeTypeId: r.type_id, projectId: r.project_id }));
  }

  async addAccess(caller: Caller, typeId: string, projectId: string): Promise<void> {
    const t = await this.privateType(caller, typeId);
    if (t.isPublic) throw new InvalidInput('Invalid volume type: Type access modification is not applicable to public volume type.');
    const inserted = await this.db
      .insertInto('volume_type_access')
      .values({ type_id: t.id, project_id: projectId })
      .onConflict((oc) => oc.columns(['type_id', 'project_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new Conflict(`Volume type access for ${t.id} / ${projectId} combination already exists.`);
  }

  async removeAccess(caller: Caller, typeId: string, projectId: string): Promise<void> {
    const t = await this.privateType(caller, typeId);
    if (t.isPublic) throw new InvalidInput('Invalid volume type: Type access modification is not applicable to public volume type.');
    const gone = await this.db.deleteFrom('volume_type_access').where('type_id', '=', t.id).where('project_id', '=', projectId).executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) throw new NotFound('volume_type', t.id, `Volume type access not found for ${t.id} / ${projectId} combination.`);
  }

  // Encryption settings

  private async encryptionRow(typeId: string, ex: Executor = this.db): Promise<VolumeTypeEncryption | undefined> {
    const r = await ex.selectFrom('volume_type_encryption').selectAll().where('type_id', '=', typeId).executeTakeFirst();
    if (!r) return undefined;
    return {
      volumeTypeId: r.type_id,
      encryptionId: r.encryption_id,
      provider: r.provider,
      cipher: r.cipher,
      keySize: r.key_size === null ? null : Number(r.key_size),
      controlLocation: r.control_location === 'back-end' ? 'back-end' : 'front-end',
      createdAt: new Date(r.created_at),
      updatedAt: r.updated_at ? new Date(r.updated_at) : null,
    };
  }

  private async encryptionType(caller: Caller, typeId: string): Promise<VolumeType> {
    adminOnly(caller, 'managing volume type encryption');
    const t = await this.find(typeId);
    if (!t) throw typeNotFound(typeId);
    return t;
  }

  /** The type's encryption settings, undefined when it has none. */
  async encryption(caller: Caller, typeId: string): Promise<VolumeTypeEncryption | undefined> {
    return this.encryptionRow((await this.encryptionType(caller, typeId)).id);
  }

  async createEncryption(caller: Caller, typeId: string, settings: EncryptionSettings & { provider: string }): Promise<VolumeTypeEncryption> {
    const t = await this.encryptionType(caller, typeId);
    await this.db.transaction().execute(async (tx) => {
      if (await this.encryptionRow(t.id, tx)) throw new InvalidInput(`Volume type encryption for type ${t.id} already exists.`);
      if (await this.inUse(t, tx)) throw new InvalidInput('Cannot create encryption specs. Volume type in use.');
      await tx
        .insertInto('volume_type_encryption')
        .values({
          type_id: t.id,
          encryption_id: newUuid(),
          provider: settings.provider,
          cipher: settings.cipher ?? null,
          key_size: settings.keySize ?? null,
          control_location: settings.controlLocation ?? 'front-end',
          created_at: this.clock.now().toISOString(),
          updated_at: null,
        })
        .execute();
    });
    return (await this.encryptionRow(t.id))!;
  }

  async updateEncryption(caller: Caller, typeId: string, settings: EncryptionSettings): Promise<VolumeTypeEncryption> {
    const t = await this.encryptionType(caller, typeId);
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.encryptionRow(t.id, tx))) throw new NotFound('volume_type', t.id, `Volume type encryption for type ${t.id} does not exist.`);
      if (await this.inUse(t, tx)) throw new InvalidInput('Cannot update encryption specs. Volume type in use.');
      const set: Partial<Database['volume_type_encryption']> = { updated_at: this.clock.now().toISOString() };
      if (settings.provider !== undefined) set.provider = settings.provider;
      if (settings.cipher !== undefined) set.cipher = settings.cipher;
      if (settings.keySize !== undefined) set.key_size = settings.keySize;
      if (settings.controlLocation !== undefined) set.control_location = settings.controlLocation;
      await tx.updateTable('volume_type_encryption').set(set).where('type_id', '=', t.id).execute();
    });
    return (await this.encryptionRow(t.id))!;
  }

  async deleteEncryption(caller: Caller, typeId: string): Promise<void> {
    const t = await this.encryptionType(caller, typeId);
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.encryptionRow(t.id, tx))) throw new NotFound('volume_type', t.id, `Volume type encryption for type ${t.id} does not exist.`);
      if (await this.inUse(t, tx)) throw new InvalidInput('Cannot delete encryption specs. Volume type in use.');
      await tx.deleteFrom('volume_type_encryption').where('type_id', '=', t.id).execute();
    });
  }
}

function exists(name: string): Conflict {
  return new Conflict(`Volume Type ${name} already exists.`);
}
