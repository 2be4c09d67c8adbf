import type { Kysely } from 'kysely';
import type { Clock } from '../../common/clock.js';
import type { Database } from '../../db/schema.js';
import type { Caller } from '../common/caller.js';
import { Forbidden, NotFound } from '../common/errors.js';
import { backendHost, isThisBackend, poolHost, type BackendCapabilities, type FileBackend } from './file-backend.js';
import type { ServiceRegistry, VolumeServiceRecord } from './service-registry.js';

/** What a volume host holds of one project, or of all ('(total)'), as os-hosts shows it. */
export interface HostUsage {
  host: string;
  project: string;
  volumeCount: number;
  totalVolumeGb: number;
  snapshotCount: number;
  totalSnapshotGb: number;
}

export interface Pool {
  name: string;
  capabilities: BackendCapabilities;
}

function adminOnly(caller: Caller, what: string): void {
  if (!caller.admin) throw new Forbidden(`Policy does not allow ${what}: only administrators may.`);
}

/** os-hosts, scheduler-stats pools, back end capabilities and availability zones: what an operator asks of the back end. */
export class BackendQueries {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly backend: FileBackend,
    private readonly registry: ServiceRegistry,
    private readonly zone: string,
  ) {}

  /** The hosts of every service (os-hosts), optionally of one zone; administrators only. */
  async hosts(caller: Caller, zone?: string): Promise<VolumeServiceRecord[]> {
    adminOnly(caller, 'listing hosts');
    const all = await this.registry.list(caller, {});
    return zone === undefined ? all : all.filter((s) => s.zone === zone);
  }

  /** What the volume host holds, in total and per project. */
  async host(caller: Caller, host: string): Promise<HostUsage[]> {
    adminOnly(caller, 'showing hosts');
    if (host !== backendHost()) throw new NotFound('host', host, `Host ${host} could not be found.`);
    const volumes = await this.db
      .selectFrom('volumes')
      .select(['project_id', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('size').as('gb')])
      .groupBy('project_id')
      .execute();
    const snapshots = await this.db
      .selectFrom('snapshots')
      .select(['project_id', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('size').as('gb')])
      .groupBy('project_id')
      .execute();
    const byProject = new Map<string, HostUsage>();
    const entry = (project: string) => {
      let e = byProject.get(project);
      if (!e) byProject.set(project, (e = { host, project, volumeCount: 0, totalVolumeGb: 0, snapshotCount: 0, totalSnapshotGb: 0 }));
      return e;
    };
    for (const r of volumes) Object.assign(entry(r.project_id), { volumeCount: Number(r.n), totalVolumeGb: Number(r.gb ?? 0) });
    for (const r of snapshots) Object.assign(entry(r.project_id), { snapshotCount: Number(r.n), totalSnapshotGb: Number(r.gb ?? 0) });
    const projects = [...byProject.values()].sort((a, b) => a.project.localeCompare(b.project));
    const sum = (f: (u: HostUsage) => number) => projects.reduce((n, u) => n + f(u), 0);
    const total: HostUsage = {
      host,
      project: '(total)',
      volumeCount: sum((u) => u.volumeCount),
      totalVolumeGb: sum((u) => u.totalVolumeGb),
      snapshotCount: sum((u) => u.snapshotCount),
      totalSnapshotGb: sum((u) => u.totalSnapshotGb),
    };
    return [total, ...projects];
  }

  /** The back end's pools (one), by name when asked; administrators only. */
  async pools(caller: Caller, filter: { name?: string; backendName?: string }): Promise<Pool[]> {
    adminOnly(caller, 'listing pools');
    const pool: Pool = { name: poolHost(), capabilities: await this.backend.capabilities(this.clock.now()) };
    if (filter.name !== undefined && filter.name !== pool.name) return [];
    if (filter.backendName !== undefined && filter.backendName !== pool.capabilities.volume_backend_name) return [];
    return [pool];
  }

  /** The capabilities of the back end of a host, named as host, host@backend or a pool of it. */
  async capabilities(caller: Caller, host: string): Promise<BackendCapabilities> {
    adminOnly(caller, 'showing back end capabilities');
    if (!isThisBackend(host)) throw new NotFound('host', host, `Service cinder-volume on host ${host} could not be found.`);
    return this.backend.capabilities(this.clock.now());
  }

  /** The one availability zone, available while the volume service is up and enabled. */
  async zones(): Promise<Array<{ name: string; available: boolean }>> {
    const volume = await this.registry.find('cinder-volume');
    return [{ name: this.zone, available: volume === undefined || (volume.up && !volume.disabled) }];
  }
}
