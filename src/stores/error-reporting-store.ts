import { NotFoundError, type BlockStore } from './block-store.js';

/** Told each failed store operation: `get`, `put`, `list` ... and the error. */
export type StoreErrorListener = (operation: string, error: unknown) => void;

/** An absent object is an answer (callers ask to find out), not a failure of the store. */
function failure(err: unknown): boolean {
  return !(err instanceof NotFoundError);
}

/**
 * A block store that reports the failures of the store it wraps (after that store's own
 * retries) and otherwise is that store: the optional capabilities the engine looks for
 * (`getRange`, `allocate`, `divide`, `listKeys`, `freeBytes`, gc's `removeStaleTemp`) are there exactly when the
 * wrapped store has them.
 */
export function reportStoreErrors(inner: BlockStore, onError: StoreErrorListener): BlockStore {
  const watch = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (failure(err)) onError(operation, err);
      throw err;
    }
  };
  const store: BlockStore & { removeStaleTemp?(olderThanMs: number): Promise<number> } = {
    description: inner.description,
    containerName: inner.containerName,
    put: (key, data) => watch('put', () => inner.put(key, data)),
    get: (key) => watch('get', () => inner.get(key)),
    has: (key) => watch('has', () => inner.has(key)),
    delete: (key) => watch('delete', () => inner.delete(key)),
    list: (prefix) => listWatched(() => inner.list(prefix), onError),
    close: () => inner.close(),
  };
  const { getRange, allocate, divide, listKeys, freeBytes } = inner;
  if (getRange) store.getRange = (key, offset, length, into) => watch('get', () => getRange.call(inner, key, offset, length, into));
  if (allocate) store.allocate = (size, options) => allocate.call(inner, size, options);
  if (divide) store.divide = (buffer, size) => divide.call(inner, buffer, size);
  if (listKeys) store.listKeys = (prefix) => listWatched(() => listKeys.call(inner, prefix), onError);
  if (freeBytes) store.freeBytes = () => freeBytes.call(inner);
  const withTemp = inner as { removeStaleTemp?(olderThanMs: number): Promise<number> };
  const removeStaleTemp = withTemp.removeStaleTemp;
  if (removeStaleTemp) store.removeStaleTemp = (ms) => watch('delete', () => removeStaleTemp.call(inner, ms));
  return store;
}

async function* listWatched<T>(listing: () => AsyncIterable<T>, onError: StoreErrorListener): AsyncIterable<T> {
  try {
    yield* listing();
  } catch (err) {
    if (failure(err)) onError('list', err);
    throw err;
  }
}
