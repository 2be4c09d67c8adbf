import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` when `deps` change, and again every `pollMs` while `poll(data)` says something
 * is still running (a volume creating, a backup restoring): lists update without a reload.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], options: { pollMs?: number; poll?: (data: T) => boolean } = {}): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    const run = ++latest.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    load().then(
      (d) => {
        if (run !== latest.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
        if (options.poll?.(d)) timer = setTimeout(reload, options.pollMs ?? 1000);
      },
      (e: unknown) => {
        if (run !== latest.current) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      if (timer) clearTimeout(timer);
    };
    // `load` is a new closure each render; `deps` say when it asks for something else.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, error, loading, reload };
}

/** Runs an action (a create, a delete) with its busy flag and its error for the form to show. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>): { run: (...args: A) => Promise<R | undefined>; busy: boolean; error: unknown; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      return await action(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clear: () => setError(undefined) };
}
