/**
 * What a restore or a verify reads, in units of work: each unit is a few coalesced ranges of
 * pack objects, read together and checked in one worker task. A verify checks every distinct
 * block once, in pack order. A restore goes through the volume one window at a time, so a
 * window's blocks, wherever later backups stored them, are checked into one buffer in volume
 * order and leave it in long writes.
 */
import { ID_BYTES, idKeyAt, ZERO_ID, type IndexEntry, type Manifest } from './format.js';
import type { BlockLocation, PackInfo } from './packs.js';
import type { Repository } from './repository.js';

export interface Wanted {
  entry: IndexEntry;
  /** Which of the unit's reads holds it. */
  read: number;
  /** Volume offset of its first place, for messages. */
  at: number;
  /** Restore: its places in the unit's output buffer (the volume from `Unit.at` on). */
  targets: number[];
}

export interface Read {
  pack: PackInfo;
  start: number;
  end: number;
}

export interface Unit {
  reads: Read[];
  blocks: Wanted[];
  /** Restore: the volume offset the unit's output starts at. */
  at: number;
  /** Restore: what of the output to write, as (offset, length) pairs in order, touching pieces merged. */
  runs: number[];
}

export interface Plan {
  units: Iterable<Unit>;
  missing: string[];
  /** Volume ranges of zero blocks: (offset, length). */
  zeroRuns: Array<[number, number]>;
}

/** Longest read of a pack, and the restore's window of the volume. */
const MAX_RANGE = 4 * 1024 * 1024;
/** Dead bytes a read spans rather than being split in two. */
const MAX_GAP = 256 * 1024;

/** The most bytes one read takes: a range, or one block where blocks are larger. */
export const readCapacity = (blockSize: number): number => Math.max(MAX_RANGE, blockSize);
/**
 * Reads a restore unit takes at most: a window's blocks usually lie in one or two packs (and
 * one more for each later backup that changed some); a window spread wider becomes more units.
 */
export const READS_PER_UNIT = 4;

/** Where each block of the manifest is (undefined: a zero block or a missing one), its zero runs and what is missing. */
function locate(repo: Repository, m: Manifest): Pick<Plan, 'missing' | 'zeroRuns'> & { locs: Array<BlockLocation | undefined> } {
  const { blockSize, blockCount, volumeSize } = m.header;
  const missing: string[] = [];
  const zeroRuns: Array<[number, number]> = [];
  const locs = new Array<BlockLocation | undefined>(blockCount);
  for (let i = 0; i < blockCount; i += 1) {
    const at = i * blockSize;
    // Compared and keyed in place: a view per block would be garbage the size of the manifest again.
    if (m.ids.compare(ZERO_ID, 0, ID_BYTES, i * ID_BYTES, (i + 1) * ID_BYTES) === 0) {
      const len = Math.min(blockSize, volumeSize - at);
      const last = zeroRuns[zeroRuns.length - 1];
      if (last && last[0] + last[1] === at) last[1] += len;
      else zeroRuns.push([at, len]);
      continue;
    }
    locs[i] = repo.index.blocks.get(idKeyAt(m.ids, i * ID_BYTES));
    if (!locs[i]) missing.push(`block ${m.ids.toString('hex', i * ID_BYTES, (i + 1) * ID_BYTES)} at volume offset ${at} is missing from the store`);
  }
  return { missing, zeroRuns, locs };
}

/** One pack's wanted blocks as reads of nearby blocks, each with the blocks it holds. */
function coalesce(pack: PackInfo, wanted: Iterable<Wanted>): Array<{ read: Read; blocks: Wanted[] }> {
  const sorted = [...wanted].sort((a, b) => a.entry.offset - b.entry.offset);
  const out: Array<{ read: Read; blocks: Wanted[] }> = [];
  let cur: { read: Read; blocks: Wanted[] } | undefined;
  for (const w of sorted) {
    const s = w.entry.offset;
    const e = s + w.entry.length;
    if (cur && s - cur.read.end <= MAX_GAP && e - cur.read.start <= MAX_RANGE) {
      cur.read.end = e;
      cur.blocks.push(w);
    } else {
      cur = { read: { pack, start: s, end: e }, blocks: [w] };
      out.push(cur);
    }
  }
  return out;
}

/** The pieces of a window's output that `blocks` fill, block by block in order: (offset, length) pairs, touching ones merged. */
function runsOf(blocks: Wanted[], perWindow: number, blockSize: number): number[] {
  const lengths = new Uint32Array(perWindow);
  for (const w of blocks) for (const t of w.targets) lengths[t / blockSize] = w.entry.rawLength;
  const runs: number[] = [];
  for (let slot = 0; slot < perWindow; slot += 1) {
    if (lengths[slot] === 0) continue;
    const offset = slot * blockSize;
    const n = runs.length;
    if (n > 0 && runs[n - 2] + runs[n - 1] === offset) runs[n - 1] += lengths[slot];
    else runs.push(offset, lengths[slot]);
  }
  return runs;
}

/** Groups blocks by pack, one entry per distinct stored block. */
class ByPack {
  readonly packs = new Map<PackInfo, Map<number, Wanted>>();

  /** The block's entry, new (true) or seen before in this group (false). */
  add(loc: BlockLocation, at: number): [Wanted, boolean] {
    let inPack = this.packs.get(loc.pack);
    if (!inPack) this.packs.set(loc.pack, (inPack = new Map()));
    const seen = inPack.get(loc.entry.offset);
    if (seen) return [seen, false];
    const w: Wanted = { entry: loc.entry, read: 0, at, targets: [] };
    inPack.set(loc.entry.offset, w);
    return [w, true];
  }
}

/** Verify: every distinct block once, pack by pack; one read a unit. */
export function planVerify(repo: Repository, m: Manifest): Plan & { units: Unit[]; distinct: number } {
  const groups = new ByPack();
  let distinct = 0;
  const { missing, zeroRuns, locs } = locate(repo, m);
  locs.forEach((loc, i) => {
    if (loc && groups.add(loc, i * m.header.blockSize)[1]) distinct += 1;
  });
  const units: Unit[] = [];
  for (const [pack, wanted] of groups.packs) for (const { read, blocks } of coalesce(pack, wanted.values())) units.push({ reads: [read], blocks, at: 0, runs: [] });
  return { units, missing, zeroRuns, distinct };
}

/**
 * Restore: window by window of the volume, each window's blocks from every pack that holds
 * some; `window` is a unit's output size. Units are made as they are taken, so memory holds
 * the windows in flight, not a plan of the whole volume. Blocks marked in `same` (a byte per
 * block) by the time their window is taken are left out: the volume already holds them.
 */
export function planRestore(repo: Repository, m: Manifest, same?: Uint8Array): Plan & { window: number; flagsOf: (block: number) => number } {
  const { blockSize, blockCount } = m.header;
  const perWindow = Math.max(1, Math.floor(MAX_RANGE / blockSize));
  const { missing, zeroRuns, locs } = locate(repo, m);
  function* units(): Generator<Unit> {
    for (let first = 0; first < blockCount; first += perWindow) {
      const at = first * blockSize;
      const groups = new ByPack();
      for (let i = first; i < Math.min(blockCount, first + perWindow); i += 1) {
        const loc = locs[i];
        if (loc && !same?.[i]) groups.add(loc, i * blockSize)[0].targets.push((i - first) * blockSize);
      }
      const reads = [...groups.packs].flatMap(([pack, wanted]) => coalesce(pack, wanted.values()));
      for (let r = 0; r < reads.length; r += READS_PER_UNIT) {
        const part = reads.slice(r, r + READS_PER_UNIT);
        const blocks = part.flatMap((p, k) => p.blocks.map((w) => ((w.read = k), w)));
        yield { reads: part.map((p) => p.read), blocks, at, runs: runsOf(blocks, perWindow, blockSize) };
      }
    }
  }
  return { units: units(), missing, zeroRuns, window: perWindow * blockSize, flagsOf: (block) => locs[block]?.entry.flags ?? 0 };
}
