/**
 * Byte layouts of what the engine writes to a store: manifests and pack indexes. Both end in a
 * SHA-256 of everything before it, so a damaged object is refused rather than misread.
 *
 * Keys (one namespace per project, so deduplication never crosses projects):
 *   manifests/<project>/<volume>/<backup>   one backup: header + ordered block ids
 *   index/<project>/<pack>                   the blocks one pack holds and where
 *   packs/<project>/<pack[0..2]>/<pack>      stored blocks back to back + a copy of the index
 *   inflight/<project>/<backup>              a running backup (protects its blocks from gc), or
 *                                            one that ended without a manifest (its packs go now)
 *
 * A pack a backup writes is named `<32 hex digits>.<backup id>`, so what a backup that never
 * finished wrote is found by name, index or not; packs gc rewrites, and every pack of stores
 * older than this, are named by the 32 hex digits alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export const ID_BYTES = 32;
/** The id of an all-zero block in a manifest: never stored (no digest can plausibly be all zeros). */
export const ZERO_ID = Buffer.alloc(ID_BYTES);

const MANIFEST_MAGIC = Buffer.from('VBSMANIFEST1\n');
const INDEX_MAGIC = Buffer.from('VBSINDEX1\n');
const INDEX_ENTRY = ID_BYTES + 4 + 4 + 4 + 1;

export const FLAG_ZSTD = 1;
/**
 * The block's id is its BLAKE3 digest; without this flag, its SHA-256 digest (every block
 * stored before the flag existed, and a project's blocks for as long as it holds such blocks,
 * so they keep deduplicating). Versions before the flag read such blocks as damaged.
 */
export const FLAG_BLAKE3 = 2;

export class FormatError extends Error {}

const NAME = /^[A-Za-z0-9._-]{1,128}$/;
export function checkName(what: string, value: string): string {
  if (!NAME.test(value) || value === '.' || value === '..') {
    throw new FormatError(`${what} "${value}" must be 1-128 letters, digits, dots, dashes or underscores`);
  }
  return value;
}

export const keys = {
  manifestsOf: (project: string) => `manifests/${project}/`,
  manifestsOfVolume: (project: string, volume: string) => `manifests/${project}/${volume}/`,
  manifest: (project: string, volume: string, backup: string) => `manifests/${project}/${volume}/${backup}`,
  indexesOf: (project: string) => `index/${project}/`,
  index: (project: string, pack: string) => `index/${project}/${pack}`,
  packsOf: (project: string) => `packs/${project}/`,
  pack: (project: string, pack: string) => `packs/${project}/${pack.slice(0, 2)}/${pack}`,
  inflightOf: (project: string) => `inflight/${project}/`,
  inflight: (project: string, backup: string) => `inflight/${project}/${backup}`,
};

const PACK_ID = /^[0-9a-f]{32}(?:\.([A-Za-z0-9._-]{1,128}))?$/;

/** A new pack's id; `owner`: the backup writing it. */
export function newPackId(owner?: string): string {
  const random = randomBytes(16).toString('hex');
  return owner === undefined ? random : `${random}.${checkName('backup id', owner)}`;
}

/** The backup that wrote the pack, when its name says so (undefined for gc's packs, old packs and foreign names). */
export function packOwner(packId: string): string | undefined {
  const owner = PACK_ID.exec(packId)?.[1];
  return owner === '.' || owner === '..' ? undefined : owner;
}

/**
 * The body of an in-flight marker. `ended`: the backup will never write its manifest (it failed,
 * was cancelled, or recovery found its process dead), so the packs it wrote that no manifest
 * needs are collected without waiting for gc's grace period. Markers before this field are
 * running ones.
 */
export interface InflightMarker {
  backupId: string;
  volumeId: string;
  startedAt: string;
  ended: boolean;
}

/** The marker's bytes, with who writes it and when (for an operator reading the store). */
export function encodeMarker(m: InflightMarker): Buffer {
  const { ended, ...rest } = m;
  return Buffer.from(JSON.stringify({ ...rest, pid: process.pid, host: hostname(), heartbeat: new Date().toISOString(), ...(ended ? { state: 'ended' } : {}) }));
}

/** The marker's fields; null for bytes that are not a marker (damaged, or cut by a crash on a store without atomic writes). */
export function decodeMarker(data: Buffer): InflightMarker | null {
  let body: unknown;
  try {
    body = JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.backupId !== 'string' || (b.state !== undefined && b.state !== 'ended')) return null;
  return {
    backupId: b.backupId,
    volumeId: typeof b.volumeId === 'string' ? b.volumeId : '',
    startedAt: typeof b.startedAt === 'string' ? b.startedAt : '',
    ended: b.state === 'ended',
  };
}

/** Identity of the source file when the backup started, recorded only when it is safe to trust. */
export interface SourceIdentity {
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
}

export interface ManifestHeader {
  format: 1;
  backupId: string;
  project: string;
  volumeId: string;
  /** Bytes of the volume image. */
  volumeSize: number;
  blockSize: number;
  blockCount: number;
  /** 'full' for the first backup of a volume, 'incremental' after (every backup is logically full). */
  type: 'full' | 'incremental';
  startedAt: string;
  finishedAt: string;
  /** Bytes read from the source (0 when the unchanged-source check allowed skipping the read). */
  bytesRead: number;
  /** Bytes of non-zero blocks in the volume. */
  bytesAllocated: number;
  /** Uncompressed bytes of blocks this backup added to the store. */
  bytesNew: number;
  /** Bytes this backup added to the store (packs, indexes, this manifest excluded). */
  bytesStored: number;
  /** Stored bytes of every distinct block this backup references: what it costs on its own. */
  bytesReferenced: number;
  source: SourceIdentity | null;
  /** The backup whose block list was reused when the source was unchanged, else null. */
  reusedFrom: string | null;
}

export interface Manifest {
  header: ManifestHeader;
  /** blockCount ids of ID_BYTES each; ZERO_ID for an all-zero block. */
  ids: Buffer;
}

function sealed(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

function unseal(data: Buffer, what: string): Buffer {
  if (data.length < 32) throw new FormatError(`${what} is truncated`);
  const body = data.subarray(0, data.length - 32);
  if (!createHash('sha256').update(body).digest().equals(data.subarray(data.length - 32))) {
    throw new FormatError(`${what} is damaged (checksum mismatch)`);
  }
  return body;
}

export function encodeManifest(m: Manifest): Buffer {
  const header = Buffer.from(JSON.stringify(m.header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return sealed([MANIFEST_MAGIC, len, header, m.ids]);
}

export function decodeManifest(data: Buffer, what: string): Manifest {
  const body = unseal(data, what);
  if (!body.subarray(0, MANIFEST_MAGIC.length).equals(MANIFEST_MAGIC)) throw new FormatError(`${what} is not a manifest`);
  const hlen = body.readUInt32BE(MANIFEST_MAGIC.length);
  const start = MANIFEST_MAGIC.length + 4;
  const header = JSON.parse(body.subarray(start, start + hlen).toString('utf8')) as ManifestHeader;
  const ids = body.subarray(start + hlen);
  if (ids.length !== header.blockCount * ID_BYTES) throw new FormatError(`${what} has ${ids.length / ID_BYTES} block ids, expected ${header.blockCount}`);
  return { header, ids };
}

export interface IndexEntry {
  id: Buffer;
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
}

/** Bytes of the index of `count` blocks. */
export function indexLength(count: number): number {
  return INDEX_MAGIC.length + 4 + count * INDEX_ENTRY + 32;
}

export function encodeIndex(entries: IndexEntry[]): Buffer {
  const table = Buffer.alloc(4 + entries.length * INDEX_ENTRY);
  table.writeUInt32BE(entries.length, 0);
  let p = 4;
  for (const e of entries) {
    e.id.copy(table, p);
    table.writeUInt32BE(e.offset, p + 32);
    table.writeUInt32BE(e.length, p + 36);
    table.writeUInt32BE(e.rawLength, p + 40);
    table.writeUInt8(e.flags, p + 44);
    p += INDEX_ENTRY;
  }
  return sealed([INDEX_MAGIC, table]);
}

/**
 * An entry read from an index object: its fields live in that object's bytes and the id is a
 * view made on demand, so a project's index (one entry per stored block) stays small in memory.
 */
class IndexedBlock implements IndexEntry {
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
  readonly flags: number;
  constructor(
    private readonly body: Buffer,
    private readonly at: number,
  ) {
    this.offset = body.readUInt32BE(at + 32);
    this.length = body.readUInt32BE(at + 36);
    this.rawLength = body.readUInt32BE(at + 40);
    this.flags = body[at + 44];
  }
  get id(): Buffer {
    return this.body.subarray(this.at, this.at + 32);
  }
  get key(): string {
    return idKeyAt(this.body, this.at);
  }
  copyId(target: Buffer, at: number): void {
    this.body.copy(target, at, this.at, this.at + 32);
  }
}

/** Block ids as map keys: 32-char latin1 strings are the most compact string form. */
export const idKey = (id: Buffer): string => id.toString('latin1');
/** The key of the id at `offset` of a list of ids, made without a view of it. */
export const idKeyAt = (ids: Buffer, offset: number): string => ids.toString('latin1', offset, offset + ID_BYTES);

/** An entry's key, made without a view of its id: a view per block would be garbage the size of the project's index each time it loads. */
export function entryKey(e: IndexEntry): string {
  return e instanceof IndexedBlock ? e.key : idKey(e.id);
}

/** Copies an entry's id into `target` at `at`, without a view of it. */
export function copyId(e: IndexEntry, target: Buffer, at: number): void {
  if (e instanceof IndexedBlock) e.copyId(target, at);
  else e.id.copy(target, at);
}

export function decodeIndex(data: Buffer, what: string): IndexEntry[] {
  const body = unseal(data, what);
  if (!body.subarray(0, INDEX_MAGIC.length).equals(INDEX_MAGIC)) throw new FormatError(`${what} is not a pack index`);
  const count = body.readUInt32BE(INDEX_MAGIC.length);
  let p = INDEX_MAGIC.length + 4;
  if (body.length !== p + count * INDEX_ENTRY) throw new FormatError(`${what} has a wrong length`);
  const out: IndexEntry[] = [];
  for (let i = 0; i < count; i += 1, p += INDEX_ENTRY) {
    out.push(new IndexedBlock(body, p));
  }
  return out;
}
