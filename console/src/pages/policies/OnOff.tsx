/** A policy's ON/OFF: ON is the good state (it protects), OFF the one to notice. */
export function OnOff({ value }: { value: 'ON' | 'OFF' }) {
  return <span class={`status status-${value === 'ON' ? 'good' : 'busy'}`}>{value}</span>;
}
