import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import { isUuid, newUuid } from '../../common/ids.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { InvalidInput, InvalidState, NotFound } from '../common/errors.js';
import type { QuotaService } from './quota-service.js';
import type { Transfer, TransferRepository } from './transfer-repository.js';
import type { VolumeRepository } from './volume-repository.js';
import { visibleTo, volumeNotFound } from './volume-service.js';
import { VOLUME_ACTION_FROM } from './volume-state.js';

/** Cinder's lengths: an 8-character salt and a 16-character key, both hexadecimal. */
const SALT_LENGTH = 8;
const KEY_LENGTH = 16;

function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/** HMAC-SHA1 of the key under the salt, hex: what Cinder stores, so a leaked row gives no key. */
function cryptHash(salt: string, authKey: string): string {
  return createHmac('sha1', salt).update(authKey).digest('hex');
}

export interface CreateTransfer {
  volumeId: string;
  name: string | null;
  /** Leave the volume's snapshots with the giving project (3.55). */
  noSnapshots: boolean;
}

export interface TransferListing {
  /** Every project's pending transfers (administrators only; ignored for others). */
  allTenants: boolean;
  name: string | undefined;
}

function transferNotFound(id: string): NotFound {
  return new NotFound('transfer', id);
}

/**
 * Volume transfers: a project offers an available volume (it awaits transfer meanwhile); any
 * project holding the auth key accepts it, taking the volume (and its snapshots unless the offer
 * said no_snapshots) within its own quota; deleting the offer gives the volume back its status.
 */
export class TransferService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly volumes: VolumeRepository,
    private readonly transfers: TransferRepository,
    private readonly quotas: QuotaService,
    private readonly clock: Clock,
  ) {}

  /** The new transfer and its auth key, which is shown this once and never stored. */
  async create(caller: Caller, cmd: CreateTransfer): Promise<{ transfer: Transfer; authKey: string }> {
    const authKey = randomHex(KEY_LENGTH);
    const salt = randomHex(SALT_LENGTH);
    const transfer = await this.db.transaction().execute(async (tx) => {
      const v = isUuid(cmd.volumeId) ? await this.volumes.getVolume(cmd.volumeId, tx) : undefined;
      if (!v || !visibleTo(caller, v)) throw volumeNotFound(cmd.volumeId);
      if (!(VOLUME_ACTION_FROM.transfer as readonly string[]).includes(v.status)) {
        throw new InvalidState('volume', v.id, v.status, VOLUME_ACTION_FROM.transfer, 'Invalid volume: status must be available');
      }
      if (!cmd.noSnapshots) {
        const busy = (await this.volumes.snapshotsOf(v.id, tx)).find((s) => s.status !== 'available');
        if (busy) throw new InvalidState('snapshot', busy.id, busy.status, ['available'], `Invalid snapshot: snapshot: ${busy.id} status must be available`);
      }
      const now = this.clock.now();
      const t: Transfer = {
        id: newUuid(),
        volumeId: v.id,
        name: cmd.name,
        salt,
        cryptHash: cryptHash(salt, authKey),
        noSnapshots: cmd.noSnapshots,
        sourceProjectId: v.projectId,
        destinationProjectId: null,
        accepted: false,
        createdAt: now,
        updatedAt: null,
      };
      if (!(await this.volumes.moveVolume(v.id, 'available', 'awaiting-transfer', { updatedAt: now }, tx))) {
        throw new InvalidState('volume', v.id, v.status, VOLUME_ACTION_FROM.transfer, 'Invalid volume: status must be available');
      }
      await this.transfers.insert(t, tx);
      return t;
    });
    return { transfer, authKey };
  }

  /** A pending transfer of the caller's project (any project's for an administrator). */
  async get(caller: Caller, id: string): Promise<Transfer> {
    const t = isUuid(id) ? await this.transfers.getPending(id) : undefined;
    if (!t || !(caller.admin || t.sourceProjectId === caller.projectId)) throw transferNotFound(id);
    return t;
  }

  /** Pending transfers, oldest first, as Cinder lists them. */
  async list(caller: Caller, q: TransferListing): Promise<Transfer[]> {
    const all = await this.transfers.listPending(q.allTenants && caller.admin ? null : caller.projectId);
    return q.name === undefined ? all : all.filter((t) => t.name === q.name);
  }

  /** Withdraws an offer: the volume is available again. */
  async delete(caller: Caller, id: string): Promise<void> {
    const t = await this.get(caller, id);
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.transfers.delete(t.id, tx))) throw transferNotFound(id);
      await this.volumes.moveVolume(t.volumeId, 'awaiting-transfer', 'available', { updatedAt: this.clock.now() }, tx);
    });
  }

  /**
   * Takes the offered volume into the caller's project, for whoever holds the key (the offer is
   * found whatever project it is in, as Cinder's elevated lookup does).
   */
  async accept(caller: Caller, id: string, authKey: string): Promise<Transfer> {
    const found = isUuid(id) ? await this.transfers.getPending(id) : undefined;
    if (!found) throw transferNotFound(id);
    const given = Buffer.from(cryptHash(found.salt, authKey));
    const stored = Buffer.from(found.cryptHash);
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) {
      throw new InvalidInput(`Invalid auth key: Attempt to transfer ${id} with invalid auth key.`);
    }
    return this.db.transaction().execute(async (tx) => {
      // Both projects' quota writers wait, in one order, so two accepts cannot deadlock.
      for (const project of [...new Set([found.sourceProjectId, caller.projectId])].sort()) await this.quotas.lock(project, tx);
      const t = await this.transfers.getPending(found.id, tx);
      if (!t) throw transferNotFound(id);
      const v = await this.volumes.getVolume(t.volumeId, tx);
      if (!v) throw volumeNotFound(t.volumeId);
      if (v.status !== 'awaiting-transfer') {
        throw new InvalidState('volume', v.id, v.status, ['awaiting-transfer'], `Invalid volume: Volume ${v.id} status must be awaiting-transfer, but current status is: ${v.status}.`);
      }
      const snapshots = t.noSnapshots ? [] : await this.volumes.snapshotsOf(v.id, tx);
      const snapshotGb = snapshots.reduce((n, s) => n + s.size, 0);
      if (caller.projectId !== v.projectId) {
        await this.quotas.check(caller.projectId, { volumes: 1, snapshots: snapshots.length, gigabytes: v.size + snapshotGb, volumeType: v.volumeType, volumeSize: v.size }, tx);
      }
      const now = this.clock.now();
      await this.volumes.setOwner(v.id, { projectId: caller.projectId, userId: caller.userId }, !t.noSnapshots, now, tx);
      await this.volumes.moveVolume(v.id, 'awaiting-transfer', 'available', { updatedAt: now }, tx);
      await this.transfers.markAccepted(t.id, caller.projectId, now, tx);
      return { ...t, accepted: true, destinationProjectId: caller.projectId, updatedAt: now };
    });
  }
}
