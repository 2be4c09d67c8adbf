/**
 * The restore's writer thread: writes checked runs into the volume with blocking writes, one
 * after another as they are queued. Its own thread keeps the main thread's event loop out of
 * the path between one write and the next, so the disk is never left waiting on it.
 */
import { writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { WriteDone, WriteJob } from './volume-writer.js';

function writeAll(fd: number, data: Buffer, position: number): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, position + done);
}

/** `from`: the run's offset in the plaintext, whose start is aligned for direct I/O where the file system has it. */
function writeRun(job: WriteJob, at: number, from: number, data: Buffer): void {
  if (job.directFd !== undefined && data.length >= job.directMinRun && from % job.align === 0 && at % job.align === 0 && data.length % job.align === 0) {
    try {
      return writeAll(job.directFd, data, at);
    } catch (err) {
      // Refused (an unaligned buffer after all): the page cache takes the run.
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
    }
  }
  writeAll(job.fd, data, at);
}

parentPort?.on('message', (job: WriteJob) => {
  let done: WriteDone = { id: job.id };
  try {
    const plain = Buffer.from(job.buffer, job.offset);
    for (let i = 0; i < job.runs.length; i += 2) {
      const from = job.runs[i];
      writeRun(job, job.at + from, from, plain.subarray(from, from + job.runs[i + 1]));
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    done = { id: job.id, error: { message: e.message, code: e.code } };
  }
  parentPort?.postMessage(done);
});
