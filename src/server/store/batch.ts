/**
 * Many callers' reads as one: keys asked for in the same turn of the event loop (e.g. the
 * logins a node has in flight) are read together, at most `max` per read, several reads
 * in flight at once. A failed read fails its own callers only.
 */
export class Batch<K, V> {
  readonly #read: (keys: K[]) => Promise<V[]>;
  readonly #max: number;
  #queue: Array<{ key: K; resolve: (v: V) => void; reject: (err: unknown) => void }> = [];
  #scheduled = false;

  /** `read` answers each key, in order. */
  constructor(read: (keys: K[]) => Promise<V[]>, max = 500) {
    this.#read = read;
    this.#max = max;
  }

  get(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.#queue.push({ key, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i += this.#max) {
      const part = queue.slice(i, i + this.#max);
      this.#read(part.map((q) => q.key)).then(
        (values) => part.forEach((q, j) => (j < values.length ? q.resolve(values[j]!) : q.reject(new Error('batch read returned too few values')))),
        (err: unknown) => part.forEach((q) => q.reject(err)),
      );
    }
  }
}
