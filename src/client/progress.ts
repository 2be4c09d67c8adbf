/**
 * Progress of long work on stderr (stdout stays for the result): a live bar on a terminal,
 * and plain lines otherwise, one per tenth done and one per change of status, so that a log
 * file or a CI job shows how the work went without a line per poll.
 */
import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  /** 0-100, or null when the work tells no progress (then only its status is shown). */
  percent: number | null;
  /** A state worth a line of its own when it changes (RUNNING, restoring ...). */
  status?: string;
  /** Shown beside the bar, never a line of its own (e.g. bytes copied). */
  detail?: string;
}

export interface ProgressDisplay {
  update(u: ProgressUpdate): void;
  /** Ends the display; the bar stays on the terminal as it last was. */
  stop(): void;
}

export interface DisplayOptions {
  stream?: NodeJS.WriteStream;
  /** Force one kind; by default a bar when the stream is a terminal. */
  bar?: boolean;
}

function clamp(p: number): number {
  return Math.max(0, Math.min(100, Math.floor(p)));
}

class BarDisplay implements ProgressDisplay {
  private readonly bar: cliProgress.SingleBar;
  private percent = 0;

  constructor(label: string, stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {status}`, stream, hideCursor: true, barsize: 30, fps: 10 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(100, 0, { status: '' });
  }

  update(u: ProgressUpdate): void {
    if (u.percent !== null) this.percent = clamp(u.percent);
    this.bar.update(this.percent, { status: [u.status, u.detail].filter(Boolean).join(' ') });
  }

  stop(): void {
    this.bar.stop();
  }
}

class LineDisplay implements ProgressDisplay {
  private step = -1;
  private status: string | undefined;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WritableStream,
  ) {}

  update(u: ProgressUpdate): void {
    const statusChanged = u.status !== undefined && u.status !== this.status;
    if (statusChanged) this.status = u.status;
    const step = u.percent === null ? this.step : Math.floor(clamp(u.percent) / 10);
    if (step === this.step && !statusChanged) return;
    this.step = step;
    const parts = [this.label, step >= 0 ? `${clamp(u.percent ?? step * 10)}%` : null, this.status, u.detail].filter(Boolean);
    this.stream.write(`${parts.join(' ')}\n`);
  }

  stop(): void {}
}

export function progressDisplay(label: string, options: DisplayOptions = {}): ProgressDisplay {
  const stream = options.stream ?? process.stderr;
  const bar = options.bar ?? stream.isTTY === true;
  return bar ? new BarDisplay(label, stream) : new LineDisplay(label, stream);
}

const MB = 1e6;

/** Progress of a copy of `total` bytes, for a callback given the bytes done so far. */
export function byteProgress(label: string, total: number, options: DisplayOptions = {}): { onBytes: (done: number) => void; display: ProgressDisplay } {
  const display = progressDisplay(label, options);
  const onBytes = (done: number) =>
    display.update({ percent: total > 0 ? (done * 100) / total : 100, detail: `${(done / MB).toFixed(0)} of ${(total / MB).toFixed(0)} MB` });
  return { onBytes, display };
}
