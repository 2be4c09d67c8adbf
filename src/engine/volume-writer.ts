/**
 * Writes checked plaintext into the volume being restored, on a thread of its own, one write at
 * a time. ext4 (like other file systems) serializes direct writes that allocate, so a second
 * writer would only wait for the first; one writer fed without pause keeps the disk as busy as
 * it gets, while the worker threads check the next ranges instead of waiting for the disk.
 */
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { alignedBuffer, closeDirectProbe, DIRECT_ALIGN, openDirectProbe } from '../stores/direct-io.js';

/** To the writer thread: write `runs` of the plaintext at `offset` in `buffer`. */
export interface WriteJob {
  id: number;
  fd: number;
  /** The volume opened for direct I/O, where the file system has it. */
  directFd?: number;
  directMinRun: number;
  align: number;
  buffer: SharedArrayBuffer;
  offset: number;
  /** The volume offset of the plaintext's start. */
  at: number;
  /** (offset in the plaintext, length) pairs. */
  runs: number[];
}

export interface WriteDone {
  id: number;
  error?: { message: string; code?: string };
}

/**
 * Shorter runs (blocks scattered by small changes) go through the page cache: a direct write
 * waits for the disk, a buffered one only for a copy.
 */
const DIRECT_MIN_RUN = 256 * 1024;

/** Tokens of the two kinds of memory `allocate` makes, for keeping each kind's buffers apart. */
const ALIGNED = {};
const UNALIGNED = {};

export class VolumeWriter {
  private readonly thread: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;
  private target: { fd: number; name: string; direct?: { handle: fs.FileHandle; probe: number } } | undefined;

  /** Starts the writer thread; `open` names the volume. */
  constructor() {
    this.thread = new Worker(new URL('./volume-write-worker.js', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    this.thread.on('message', (done: WriteDone) => {
      const job = this.pending.get(done.id);
      this.pending.delete(done.id);
      if (!done.error) job?.resolve();
      else job?.reject(Object.assign(new Error(`cannot write the restored volume ${this.target?.name}: ${done.error.message}`), { code: done.error.code }));
    });
    const stop = (err: Error): void => {
      this.failure ??= err;
      for (const job of this.pending.values()) job.reject(err);
      this.pending.clear();
    };
    this.thread.on('error', stop);
    this.thread.on('exit', () => stop(new Error('the restore writer thread exited')));
  }

  /**
   * Writes go to `handle`, the open volume `file` (`name` in messages). Long runs go to the
   * same file opened for direct I/O where the file system has it, also when the restore need
   * not be durable on return: through the page cache, a restore into memory the machine has
   * not used lately (on a virtual machine, freshly given back by the host) spent 4-5 s of
   * system time copying, against 0.5 s directly.
   */
  async open(handle: fs.FileHandle, file: string, name: string): Promise<void> {
    const probe = openDirectProbe(path.dirname(file));
    this.target = { fd: handle.fd, name };
    if (probe === undefined) return;
    try {
      this.target.direct = { handle: await fs.open(file, fsc.O_WRONLY | fsc.O_DIRECT), probe };
    } catch (err) {
      closeDirectProbe(probe);
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
    }
  }

  /** What `allocate` hands out: buffers aligned for direct writes, or plain shared memory. */
  memoryKind(): object {
    return this.target?.direct ? ALIGNED : UNALIGNED;
  }

  /** A plaintext buffer over shared memory (the worker threads fill it), aligned for direct writes where they exist. */
  allocate(size: number): Buffer {
    const direct = this.target?.direct;
    return direct ? alignedBuffer(size, direct.probe, true) : Buffer.from(new SharedArrayBuffer(size));
  }

  /** Queues the writes of `runs` ((offset, length) pairs) of `plain` (from `allocate`), which holds the volume from `at`; resolves once written. */
  write(plain: Buffer, at: number, runs: number[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.target) return Promise.reject(new Error('the restore writer has no volume open'));
    const job: WriteJob = {
      id: (this.nextId += 1),
      fd: this.target.fd,
      directFd: this.target.direct?.handle.fd,
      directMinRun: DIRECT_MIN_RUN,
      align: DIRECT_ALIGN,
      buffer: plain.buffer as SharedArrayBuffer,
      offset: plain.byteOffset,
      at,
      runs,
    };
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      this.thread.postMessage(job);
    });
  }

  /** Stops the thread (every write the caller awaited is done) and closes the direct descriptor; the caller owns the volume's handle. */
  async close(): Promise<void> {
    this.thread.removeAllListeners('exit');
    await this.thread.terminate();
    await this.target?.direct?.handle.close();
    closeDirectProbe(this.target?.direct?.probe);
  }
}
