/**
 * Copies `source` to the start of `target`. V8 copies between typed arrays over shared memory
 * (SharedArrayBuffer) word by word with relaxed atomics, which took a restore's copies of
 * uncompressed blocks to 10 % of its CPU time; a buffer filled with a buffer is one native
 * memcpy (4 %).
 */
/** Views of `buffer` of `size` bytes each, one after another, as many as fit. */
export const slicesOf = (buffer: Buffer, size: number): Buffer[] =>
  Array.from({ length: Math.floor(buffer.length / size) }, (_, k) => buffer.subarray(k * size, (k + 1) * size));

export function copyBytes(target: Buffer, source: Buffer, at = 0): void {
  if (source.length === 0) return;
  if (at + source.length > target.length) throw new RangeError(`copy of ${source.length} bytes at ${at} overruns a buffer of ${target.length}`);
  target.subarray(at, at + source.length).fill(source);
}
