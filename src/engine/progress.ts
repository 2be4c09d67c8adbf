/** Progress and statistics reported while the engine works, and their service_metadata form. */
export interface Progress {
  phase: 'backup' | 'restore' | 'verify';
  /** 0-100. */
  percent: number;
  bytesDone: number;
  bytesTotal: number;
  bytesRead: number;
  bytesStored: number;
  elapsedSeconds: number;
  /** Logical MB/s so far (MB = 10^6 bytes). */
  throughputMBps: number;
}

export type ProgressListener = (p: Progress) => void;

/** Calls the listener on every new whole percent, at least every `everyMs`, and for 100%. */
export function progressReporter(phase: Progress['phase'], total: number, listener: ProgressListener | undefined, everyMs = 250) {
  const started = performance.now();
  let last = -Infinity;
  let lastPercent = -1;
  return (done: number, read: number, stored: number, final = false): void => {
    if (!listener) return;
    const now = performance.now();
    const percent = total === 0 ? 100 : Math.min(100, Math.floor((done * 100) / total));
    // Every new whole percent, or a heartbeat when a percent takes long.
    if (!final && percent === lastPercent && now - last < everyMs) return;
    last = now;
    lastPercent = percent;
    const elapsed = (now - started) / 1000;
    listener({
      phase,
      percent,
      bytesDone: done,
      bytesTotal: total,
      bytesRead: read,
      bytesStored: stored,
      elapsedSeconds: elapsed,
      throughputMBps: elapsed > 0 ? done / 1e6 / elapsed : 0,
    });
  };
}
