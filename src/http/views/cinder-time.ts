/** Cinder's time format: UTC with microseconds and no zone letter, e.g. 2026-11-22T10:00:00.000000. */
export function cinderTime(d: Date | null | undefined): string | null {
  return d ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000') : null;
}
