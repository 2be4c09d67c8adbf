/** What main.ts gives a benchmark mode and what the mode gives back. */
import type { Peer } from './peers.js';

export interface ModeContext {
  /** The run's working directory (volume image, stores, peers' repositories). */
  work: string;
  /** The BENCH.md volume image; the modes change it in place for the incremental cases. */
  volume: string;
  sizeMiB: number;
  /** Engine settings of --block-kib, --pack-mib, --level (engine mode only). */
  settings: Record<string, number>;
  /** restic and borg, initialised, when --compare found them. */
  peers: Peer[];
  log(msg: string): void;
}

export interface ModeResult {
  /** The cases, for --json. */
  cases: unknown[];
  /** The table and its notes, for the terminal. */
  text: string;
  /** Every restored volume equals its source. */
  ok: boolean;
}
