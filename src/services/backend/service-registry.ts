import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { Forbidden, InvalidInput, NotFound } from '../common/errors.js';
import { backendHost, hostName } from './file-backend.js';

/** The Cinder services this process is: the scheduler, the volume service of the file back end, and the backup service. */
export const SERVICE_BINARIES = ['cinder-scheduler', 'cinder-volume', 'cinder-backup'] as const;
export type ServiceBinary = (typeof SERVICE_BINARIES)[number];

/** A service that has not reported for this long is down (Cinder's service_down_time). */
const DOWN_AFTER_MS = 60_000;
const HEARTBEAT_MS = 10_000;

export interface VolumeServiceRecord {
  binary: string;
  host: string;
  zone: string;
  disabled: boolean;
  disabledReason: string | null;
  frozen: boolean;
  up: boolean;
  updatedAt: Date;
}

export interface ServiceFilter {
  host?: string;
  binary?: string;
}

function hostOf(binary: ServiceBinary): string {
  return binary === 'cinder-volume' ? backendHost() : hostName();
}

function adminOnly(caller: Caller, what: string): void {
  if (!caller.admin) throw new Forbidden(`Policy does not allow ${what}: only administrators may.`);
}

/** The os-services registry: one row per service of this host, kept alive by this process's heartbeat. */
export class ServiceRegistry {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly zone: string,
  ) {}

  /** Records that every service of this process is alive now. */
  async heartbeat(): Promise<void> {
    const now = this.clock.now().toISOString();
    for (const binary of SERVICE_BINARIES) {
      await this.db
        .insertInto('volume_services')
        .values({ binary, host: hostOf(binary), disabled: 0, disabled_reason: null, frozen: 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['binary', 'host']).doUpdateSet({ updated_at: now }))
        .execute();
    }
  }

  /** Heartbeats until stop(); `vbs serve` starts it. */
  start(): void {
    if (this.timer) return;
    const beat = () => void this.heartbeat().catch(() => undefined);
    beat();
    this.timer = setInterval(beat, HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async rows(filter: ServiceFilter): Promise<VolumeServiceRecord[]> {
    let q = this.db.selectFrom('volume_services').selectAll().orderBy('binary').orderBy('host');
    if (filter.host !== undefined) q = q.where('host', '=', filter.host);
    if (filter.binary !== undefined) q = q.where('binary', '=', filter.binary);
    const now = this.clock.now().getTime();
    return (await q.execute()).map((r) => {
      const updatedAt = new Date(r.updated_at ?? r.created_at);
      return {
        binary: r.binary,
        host: r.host,
        zone: this.zone,
        disabled: Number(r.disabled) === 1,
        disabledReason: r.disabled_reason,
        frozen: Number(r.frozen) === 1,
        up: Math.abs(now - updatedAt.getTime()) <= DOWN_AFTER_MS,
        updatedAt,
      };
    });
  }

  /** Every service, or those of a host (`host` or `host@backend`) or binary; administrators only. */
  async list(caller: Caller, filter: ServiceFilter): Promise<VolumeServiceRecord[]> {
    adminOnly(caller, 'listing services');
    if (filter.host === undefined) return this.rows(filter);
    // Cinder matches a host filter against the host part too: `host` finds `host@backend`.
    const all = await this.rows({ binary: filter.binary });
    return all.filter((s) => s.host === filter.host || s.host.split('@')[0] === filter.host);
  }

  /** The service of a binary on a host, for the internal checks of other use cases; whoever asks. */
  async find(binary: ServiceBinary): Promise<VolumeServiceRecord | undefined> {
    return (await this.rows({ binary, host: hostOf(binary) }))[0];
  }

  private async one(host: string, binary: string): Promise<VolumeServiceRecord> {
    const found = (await this.rows({ host, binary }))[0];
    if (!found) throw new NotFound('service', `${binary}@${host}`, `Service ${binary} on host ${host} could not be found.`);
    return found;
  }

  /** Enables or disables a service, recording why it was disabled. */
  async setEnabled(caller: Caller, host: string, binary: string, enabled: boolean, reason?: string | null): Promise<VolumeServiceRecord> {
    adminOnly(caller, 'enabling or disabling services');
    const s = await this.one(host, binary);
    await this.db
      .updateTable('volume_services')
      .set({ disabled: enabled ? 0 : 1, disabled_reason: enabled ? null : (reason ?? s.disabledReason) })
      .where('host', '=', s.host)
      .where('binary', '=', s.binary)
      .execute();
    return (await this.one(host, binary));
  }

  /**
   * Freezes or thaws the volume service of a back end host. The state is recorded and shown;
   * the file back end replicates nothing, so there is no failover for it to hold still.
   */
  async setFrozen(caller: Caller, host: string, frozen: boolean): Promise<void> {
    adminOnly(caller, 'freezing or thawing hosts');
    const s = (await this.rows({ host, binary: 'cinder-volume' }))[0];
    if (!s) throw new InvalidInput(`Invalid input received: Service cinder-volume on host ${host} could not be found.`);
    await this.db.updateTable('volume_services').set({ frozen: frozen ? 1 : 0 }).where('host', '=', s.host).where('binary', '=', s.binary).execute();
  }
}
