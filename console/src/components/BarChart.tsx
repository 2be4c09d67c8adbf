/** Small inline SVG charts: no chart library, and the figures are always in the text too. */

export interface Bar {
  label: string;
  value: number;
  /** The value as people read it: "1.2 GiB". */
  text: string;
  tone?: 'accent' | 'good' | 'muted';
}

/** Horizontal bars scaled to the largest; role="img" with every bar's figure in its name. */
export function BarChart({ title, bars }: { title: string; bars: Bar[] }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 34;
  const labelWidth = 110;
  const width = 480;
  const barArea = width - labelWidth - 110;
  return (
    <svg
      class="bar-chart"
      viewBox={`0 0 ${width} ${bars.length * row + 8}`}
      role="img"
      aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text}`).join(', ')}`}
      preserveAspectRatio="xMinYMin meet"
    >
      {bars.map((b, i) => {
        const w = Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / max) * barArea));
        const y = i * row + 6;
        return (
          <g key={b.label}>
            <text x={0} y={y + 17} class="bar-label">
              {b.label}
            </text>
            <rect x={labelWidth} y={y} width={w} height={22} rx={3} class={`bar bar-${b.tone ?? 'accent'}`} />
            <text x={labelWidth + w + 8} y={y + 17} class="bar-value">
              {b.text}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** How much of a quota is used: a bar, and "3 of 10" (or "3, no limit") beside it. */
export function UsageBar({ label, used, limit, unit = '' }: { label: string; used: number; limit: number; unit?: string }) {
  const unlimited = limit < 0;
  const share = unlimited || limit === 0 ? 0 : Math.min(1, used / limit);
  const text = unlimited ? `${used}${unit} used, no limit` : `${used}${unit} of ${limit}${unit}`;
  const tone = share >= 0.9 ? 'bad' : share >= 0.7 ? 'busy' : 'good';
  return (
    <div class="usage">
      <span class="usage-label">{label}</span>
      <svg class="usage-bar" viewBox="0 0 200 12" role="img" aria-label={`${label}: ${text}`} preserveAspectRatio="none">
        <rect x={0} y={0} width={200} height={12} rx={3} class="usage-track" />
        <rect x={0} y={0} width={Math.round(share * 200)} height={12} rx={3} class={`usage-fill usage-${tone}`} />
      </svg>
      <span class="usage-text">{text}</span>
    </div>
  );
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${UNITS[u]}`;
}
