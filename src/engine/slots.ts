/** A fixed number of reusable things (buffers, turns on the worker threads), made on first need; `take` waits while all are in use. */
export class Slots<T> {
  private readonly free: T[] = [];
  private readonly waiting: Array<(item: T) => void> = [];
  private made = 0;

  constructor(
    private readonly limit: number,
    private readonly make: () => T,
  ) {}

  take(): Promise<T> {
    if (this.free.length > 0) return Promise.resolve(this.free.pop() as T);
    if (this.made < this.limit) {
      this.made += 1;
      return Promise.resolve(this.make());
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(item: T): void {
    const next = this.waiting.shift();
    if (next) next(item);
    else this.free.push(item);
  }

  /** The items not in use: once every taker gave back, all that were made. */
  idle(): T[] {
    return [...this.free];
  }
}
