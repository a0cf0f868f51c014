/**
 * A small least-recently-used cache of promises. Concurrent callers asking for the same key share one load (one
 * GET of a raw object however many results were computed from it), and the bound keeps memory flat on a lake of
 * any size: verify visits objects grouped by their raw snapshot, so a few dozen entries give nearly every hit.
 * A rejected load stays cached like a resolved one: asking again would fail again.
 */
export class PromiseCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const loading = load();
    this.entries.set(key, loading);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return loading;
  }

  get size(): number {
    return this.entries.size;
  }
}
