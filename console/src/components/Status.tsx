/** A status word, coloured by what it means (the word itself is the information). */
export function Status({ value }: { value: string }) {
  const v = value.toLowerCase();
  const tone = /error|fail/.test(v) ? 'bad' : /^(available|success|in-use|active)$/.test(v) ? 'good' : 'busy';
  return <span class={`status status-${tone}`}>{value}</span>;
}
