// The work client's watchers: each has a namespace (or all) and a label selector, and receives the
// MODIFIED/DELETED events that match. REST re-lists are delivered without overtaking newer events.

import { assert } from "../assert.ts";
import { matchesLabels, type LabelSelector } from "./label-selector.ts";
import type { ManifestWork } from "./manifest-work.ts";
import { ALL_NAMESPACES } from "./work-pager.ts";

/**
 * Watch event types. Like Maestro's Go client, this client only emits MODIFIED (REST list
 * results and status updates) and DELETED (a status with Deleted=True); ADDED is never sent.
 */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One watch event. */
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: ManifestWork;
}

/** Receives watch events; it runs synchronously and should not throw (throws are reported). */
export type WatchHandler = (event: WatchEvent) => void;

/** A registered watcher. */
export interface Watcher {
  readonly namespace: string;
  readonly selector: LabelSelector;
  readonly handler: WatchHandler;
  stopped: boolean;
}

/** A REST list in flight: the uids that got an event meanwhile (their list entries are older). */
export interface Listing {
  readonly seen: Set<string>;
}

/**
 * The set of watchers and the listings in flight.
 * Example: `const w = hub.add("c1", parseLabelSelector(""), (e) => …); hub.dispatch({ type: "MODIFIED", object })`.
 */
export class WatchHub {
  readonly #watchers = new Set<Watcher>();
  readonly #listings = new Set<Listing>();
  readonly #onError: (error: unknown, context: string) => void;

  constructor(onError: (error: unknown, context: string) => void) {
    this.#onError = onError;
  }

  /** Number of live watchers. */
  get size(): number {
    return this.#watchers.size;
  }

  /** Registers a watcher. */
  add(namespace: string, selector: LabelSelector, handler: WatchHandler): Watcher {
    const watcher: Watcher = { namespace, selector, handler, stopped: false };
    this.#watchers.add(watcher);
    return watcher;
  }

  /** Stops a watcher: it gets no event after this returns. */
  remove(watcher: Watcher): void {
    watcher.stopped = true;
    this.#watchers.delete(watcher);
  }

  /** Stops every watcher. */
  clear(): void {
    for (const w of this.#watchers) w.stopped = true;
    this.#watchers.clear();
    this.#listings.clear();
  }

  /** The distinct namespaces watched ("" = all namespaces). */
  namespaces(): string[] {
    return [...new Set([...this.#watchers].map((w) => w.namespace))];
  }

  /** Starts tracking events that arrive while a REST list is in flight. */
  beginListing(): Listing {
    const listing: Listing = { seen: new Set() };
    this.#listings.add(listing);
    return listing;
  }

  /**
   * Ends a listing and delivers its works as MODIFIED, to one watcher or to all, skipping works
   * that got an event while the list was in flight (that event is at least as new).
   */
  finishListing(listing: Listing, works: readonly ManifestWork[], only?: Watcher): void {
    this.#listings.delete(listing);
    for (const object of works) {
      if (listing.seen.has(object.metadata.uid ?? "")) continue;
      const event: WatchEvent = { type: "MODIFIED", object };
      if (only !== undefined) this.#deliver(only, event);
      else for (const w of [...this.#watchers]) this.#deliver(w, event);
    }
  }

  /** Abandons a listing without delivering anything. */
  dropListing(listing: Listing): void {
    this.#listings.delete(listing);
  }

  /** Sends an event to every watcher whose namespace and selector match. */
  dispatch(event: WatchEvent): void {
    const uid = event.object.metadata.uid ?? "";
    for (const listing of this.#listings) listing.seen.add(uid);
    for (const w of [...this.#watchers]) this.#deliver(w, event);
  }

  #deliver(watcher: Watcher, event: WatchEvent): void {
    if (watcher.stopped) return;
    const meta = event.object.metadata;
    if (watcher.namespace !== ALL_NAMESPACES && watcher.namespace !== meta.namespace) return;
    if (!matchesLabels(watcher.selector, meta.labels)) return;
    assert(event.type !== "ADDED", "the work client never emits ADDED");
    try {
      watcher.handler(event);
    } catch (err) {
      this.#onError(err, "watch handler");
    }
  }
}
