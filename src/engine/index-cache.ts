/**
 * The pack indexes of projects, kept in memory from one job to the next. A job used to read
 * every index object of its project before its first block: a backup of an empty 1 GiB volume
 * took 0.2-0.4 s in a fresh project and 5.8-8.0 s in one of 1,770 packs. A kept index is
 * brought up to date by listing the project's index objects and reading only those it has not
 * seen (PackIndex.refresh), so it stays right with other nodes writing and removing packs.
 * The least recently used projects' indexes are dropped past a bound on the blocks held.
 */
import type { BlockStore } from '../stores/block-store.js';
import { PackIndex } from './packs.js';

/** Blocks kept across projects: some 350 bytes each in memory (with the known-id table), so about 175 MB at most. */
export const MAX_CACHED_BLOCKS = 500_000;

/** Per store (a store object of the process), per project; a Map keeps the order of use. */
const caches = new WeakMap<BlockStore, Map<string, PackIndex>>();

/** The project's kept index (a new, empty one the first time), moved to the most recently used place. */
export function sharedPackIndex(store: BlockStore, project: string, maxBlocks = MAX_CACHED_BLOCKS): PackIndex {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new Map()));
  let index = cache.get(project);
  if (index) cache.delete(project);
  else index = new PackIndex(store, project);
  cache.set(project, index);
  // A job holds its own reference: dropping an index here only means the next job reads it again.
  let held = [...cache.values()].reduce((n, i) => n + i.size, 0);
  for (const [key, kept] of cache) {
    if (held <= maxBlocks || kept === index) break;
    cache.delete(key);
    held -= kept.size;
  }
  return index;
}
