// A fixed-capacity ring buffer: pushing past capacity overwrites the oldest entry, so what it
// holds is bounded whatever the push rate (the recent-closes log, STYLE 9).

import { assert } from "../../assert.ts";

/**
 * Keeps the last `capacity` items pushed.
 * Example: `const r = new Ring<number>(2); r.push(1); r.push(2); r.push(3); r.toArray()` -> [2, 3].
 */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity), "ring capacity is an integer");
    assert(capacity > 0, "ring capacity is positive");
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** The items, oldest first, newest last. */
  toArray(): T[] {
    const out: T[] = [];
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(start + i) % this.capacity] as T);
    assert(out.length === this.#size, "ring snapshot holds every item");
    return out;
  }
}
