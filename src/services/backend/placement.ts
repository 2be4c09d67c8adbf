import type { Clock } from '../../common/clock.js';
import type { Caller } from '../common/caller.js';
import type { Volume } from '../volumes/volume-records.js';
import type { VolumeType } from '../volumes/volume-types.js';
import { MESSAGE_ACTIONS, MESSAGE_DETAILS, type UserMessages } from '../volumes/user-messages.js';
import { unmetSpec, type FileBackend } from './file-backend.js';
import type { ServiceRegistry } from './service-registry.js';

/**
 * Where a new volume goes, as Cinder's scheduler decides: the file back end, while its volume
 * service is enabled and it satisfies the volume type's extra specs. A volume that fits nowhere
 * is left in error and its project told why in a user message.
 */
export class Placement {
  constructor(
    private readonly registry: ServiceRegistry,
    private readonly backend: FileBackend,
    private readonly messages: UserMessages,
    private readonly clock: Clock,
  ) {}

  /** Why the volume cannot be placed, undefined when it can. */
  async unschedulable(caller: Caller, volume: Volume, type: VolumeType): Promise<string | undefined> {
    if (await this.fits(type)) return undefined;
    const detail = MESSAGE_DETAILS.noValidBackend;
    await this.messages.record(caller.projectId, { type: 'VOLUME', id: volume.id }, MESSAGE_ACTIONS.scheduleAllocateVolume, detail);
    return detail.text;
  }

  /** Whether a volume of the type can go to the back end: its volume service is enabled and it satisfies the type's extra specs. */
  async fits(type: VolumeType): Promise<boolean> {
    const service = await this.registry.find('cinder-volume');
    if (service?.disabled) return false;
    return unmetSpec(type.extraSpecs, await this.backend.capabilities(this.clock.now())) === undefined;
  }
}
