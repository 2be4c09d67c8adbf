/** Cinder's time format: UTC with microseconds and no zone letter, e.g. 2026-11-22T10:00:00.000000. */
export function cinderTime(d: Date | null | undefined): string | null {
  // toISOString always ends in ".mmmZ"; three times a volume shown, so no regular expression here.
  return d ? `${d.toISOString().slice(0, -1)}000` : null;
}
