/**
 * Where backup data lives: a flat key space of immutable objects. Every implementation passes
 * the one conformance suite in test/stores/. Keys are `/`-separated, ASCII, without `..`.
 */
export interface StoredObject {
  key: string;
  size: number;
  modified: Date;
}

export interface BlockStore {
  /** `fs` or `s3`, and where: for messages and `service_metadata`. */
  readonly description: string;
  /** What a backup shows as its `container`: names no host path or endpoint (container-name.ts). */
  readonly containerName: string;
  /** Writes the whole object; on resolve it is durable. A crash mid-write leaves no partial object. */
  put(key: string, data: Buffer): Promise<void>;
  /** The whole object; NotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  /**
   * Optional: `length` bytes of the object from `offset` (fewer only at its end), so readers of
   * pack objects fetch one block without the whole pack. NotFoundError when absent. With `into`
   * (at least `length` bytes) the store may put the bytes in its memory and answer a view of it
   * (for a buffer from `allocate`, not necessarily starting where `into` starts); callers see
   * from the answer's buffer which it did.
   */
  getRange?(key: string, offset: number, length: number, into?: Uint8Array): Promise<Buffer>;
  /**
   * Optional: a buffer of `size` bytes that `put` writes fastest from and `getRange` reads
   * fastest into (the fs store: one aligned for direct I/O). `shared`: its memory is a
   * SharedArrayBuffer, so worker threads can use it in place.
   */
  allocate?(size: number, options?: { shared?: boolean }): Buffer;
  /**
   * Optional, with `allocate`: `buffer` (one `allocate` made) cut into as many buffers of `size`
   * bytes as fit, each as fast for `getRange` as one `allocate` made, so one job's memory can
   * serve another's reads of a different size.
   */
  divide?(buffer: Buffer, size: number): Buffer[];
  has(key: string): Promise<boolean>;
  /** Removes the object; removing an absent object is no error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /**
   * Optional: the same keys as `list` without sizes and times, for a store where those cost a
   * call per object (the fs store's stat): a kept pack index lists its project at every job.
   */
  listKeys?(prefix: string): AsyncIterable<string>;
  /** Optional: bytes an unprivileged writer may still use where the store writes (local stores). */
  freeBytes?(): Promise<number>;
  close(): Promise<void>;
}

export class NotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} does not exist in the store`);
  }
}

/** The store could not be written or reached; the message says why (e.g. ENOSPC, connection refused). */
export class StoreUnavailableError extends Error {
  /**
   * The same request may well succeed in a moment (5xx, throttling, a reset connection, a
   * timeout): the retry decorator tries again only then.
   */
  readonly transient: boolean;
  /** The system's error code where one says why (ENOSPC, EDQUOT): a full disk is told apart by it. */
  readonly code: string | undefined;
  constructor(message: string, options: { transient?: boolean; code?: string } = {}) {
    super(message);
    this.name = 'StoreUnavailableError';
    this.transient = options.transient ?? false;
    this.code = options.code;
  }
}
