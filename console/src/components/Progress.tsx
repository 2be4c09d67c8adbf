import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorAlert } from './ErrorAlert.js';

/** Where a running piece of work stands, as one poll saw it. */
export interface Progress {
  state: 'running' | 'succeeded' | 'failed';
  /** 0-100, or null when the server gives no figure (the bar is then indeterminate). */
  percent: number | null;
  /** The API's own word for the state: RUNNING, creating, available ... */
  status: string;
  errorCode?: string | null;
  failReason?: string | null;
}

/** One poll of the work: a job, a backup, a volume, whatever tells how it goes. */
export type Probe = () => Promise<Progress>;

/** Polls `probe` about once a second until the work ends; a new probe starts over. */
export function useTracker(probe: Probe | null, intervalMs = 1000): { progress: Progress | undefined; error: unknown } {
  const [progress, setProgress] = useState<Progress | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const current = useRef<Probe | null>(null);
  useEffect(() => {
    current.current = probe;
    setProgress(undefined);
    setError(undefined);
    if (!probe) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const p = await probe();
        if (current.current !== probe) return;
        setProgress(p);
        setError(undefined);
        if (p.state === 'running') timer = setTimeout(tick, intervalMs);
      } catch (e) {
        if (current.current !== probe) return;
        // A passing failure (the server busy) is shown, and the poll goes on.
        setError(e);
        timer = setTimeout(tick, intervalMs * 2);
      }
    };
    void tick();
    return () => {
      current.current = null;
      if (timer) clearTimeout(timer);
    };
  }, [probe, intervalMs]);
  return { progress, error };
}

/** A live progress bar of running work, its final state, and a failure's code and reason. */
export function ProgressPanel({ label, probe, onDone }: { label: string; probe: Probe | null; onDone?: (p: Progress) => void }) {
  const { progress, error } = useTracker(probe);
  const reported = useRef<Progress | undefined>(undefined);
  useEffect(() => {
    if (progress && progress.state !== 'running' && reported.current !== progress) {
      reported.current = progress;
      onDone?.(progress);
    }
  }, [progress, onDone]);
  if (!probe) return null;
  const p = progress;
  const percent = p?.state === 'succeeded' ? 100 : p?.percent ?? null;
  return (
    <section class={`progress-panel progress-${p?.state ?? 'running'}`} aria-label={label}>
      <h3>{label}</h3>
      {percent === null ? <progress aria-label={`${label}: progress`} max={100} /> : <progress aria-label={`${label}: progress`} max={100} value={percent} />}
      <p class="progress-text" aria-live="polite">
        {!p ? 'Starting…' : p.state === 'running' ? `${p.status}${percent !== null ? `: ${percent}%` : ''}` : p.state === 'succeeded' ? `Done: ${p.status}` : `Failed: ${p.status}`}
      </p>
      {p?.state === 'failed' ? (
        <div class="alert alert-error" role="alert">
          {p.errorCode ? <strong>{p.errorCode}: </strong> : null}
          {p.failReason ?? 'the work failed without a reason given'}
        </div>
      ) : null}
      <ErrorAlert error={error} title="Could not read the progress" />
    </section>
  );
}

/** One piece of running work a page follows. */
export interface Task {
  id: number;
  label: string;
  probe: Probe;
}

let nextTask = 1;

/** The work a page started (creates, restores, deletes), each with its live progress panel. */
export function useTasks(): { tasks: Task[]; start: (label: string, probe: Probe) => void; dismiss: (id: number) => void } {
  const [tasks, setTasks] = useState<Task[]>([]);
  return {
    tasks,
    start: (label, probe) => setTasks((ts) => [{ id: nextTask++, label, probe }, ...ts]),
    dismiss: (id) => setTasks((ts) => ts.filter((t) => t.id !== id)),
  };
}

export function TaskList({ tasks, onDone, onDismiss }: { tasks: Task[]; onDone?: (p: Progress) => void; onDismiss: (id: number) => void }) {
  if (tasks.length === 0) return null;
  return (
    <div class="tasks">
      {tasks.map((t) => (
        <div class="task" key={t.id}>
          <ProgressPanel label={t.label} probe={t.probe} onDone={onDone} />
          <button type="button" class="link dismiss" onClick={() => onDismiss(t.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
