// The ManifestWork client of a source, mirroring Maestro's Go `grpcsource` client call for call:
// reads over REST, writes as spec CloudEvents over gRPC Publish, watches fed by the status stream
// and by a REST re-list after every reconnect.

import { aggregateFieldErrors, timestampNow, workResourceId, type CloudEvent, type Timestamp } from "../cloudevents/mod.ts";
import { relistAttemptsMax } from "../limits.ts";
import { backoffDelayMs } from "./backoff.ts";
import { ApiError, errorText, publishWorkError, WorkError, WorkErrors } from "./errors.ts";
import { LabelSelectorError, parseLabelSelector, toLabelSearch, type LabelSelector } from "./label-selector.ts";
import {
  isWorkDeleted,
  isWorkStatusEvent,
  manifestWorkFromResourceBundle,
  manifestWorkFromStatusEvent,
  manifestWorkToSpecEvent,
  publishedResourceVersion,
  type ManifestWork,
  type SpecAction,
} from "./manifest-work.ts";
import type { RequestOptions } from "./rest-client.ts";
import type { ResourceBundle } from "./rest-types.ts";
import type { SourceConnection, SubscribedInfo } from "./source-connection.ts";
import { WatchHub, type WatchHandler } from "./watch-hub.ts";
import { ALL_NAMESPACES, pageBundles, syncSearch, workSearch, type BundleLister } from "./work-pager.ts";
import { applyWorkPatch, type PatchData, type WorkPatchType } from "./work-patch.ts";
import { validateWork } from "./work-validation.ts";

/** What the work client needs from the REST client (MaestroRestClient is one). */
export interface WorkRestApi extends BundleLister {
  getResourceBundle(id: string, options?: RequestOptions): Promise<ResourceBundle>;
}

/** Work client settings. */
export interface WorkClientOptions {
  readonly sourceId: string;
  readonly connection: SourceConnection;
  readonly rest: WorkRestApi;
  /** Close the connection when the work client closes (default false). */
  readonly ownsConnection?: boolean;
  /** Background failures: undecodable status events, re-list errors, throwing handlers. */
  readonly onError?: (error: unknown, context: string) => void;
  /** Clock for deletion timestamps (ms since epoch). */
  readonly nowMs?: () => number;
}

/** List options, as Kubernetes ListOptions. */
export interface WorkListOptions {
  readonly labelSelector?: string;
  /** At most this many works (0 or absent: all). */
  readonly limit?: number;
  /** The `continue` of a previous list: the page to start from. */
  readonly continue?: string;
}

/** A list result: the works and the token for the next page ("" when none). */
export interface WorkList {
  readonly items: ManifestWork[];
  readonly continue: string;
}

/** Watch options. */
export interface WorkWatchOptions {
  readonly labelSelector?: string;
}

/** A running watch. */
export interface WorkWatch {
  stop(): void;
}

/** Per-call options: X-Operation-ID for the REST calls. */
export type CallOptions = RequestOptions;

/** ManifestWorks of one namespace (consumer). */
export interface NamespacedWorkClient {
  readonly namespace: string;
  create(work: ManifestWork, options?: CallOptions): Promise<ManifestWork>;
  get(name: string, options?: CallOptions): Promise<ManifestWork>;
  list(options?: WorkListOptions, call?: CallOptions): Promise<WorkList>;
  patch(name: string, patchType: WorkPatchType, data: PatchData, options?: CallOptions): Promise<ManifestWork>;
  delete(name: string, options?: CallOptions): Promise<void>;
  watch(handler: WatchHandler, options?: WorkWatchOptions, call?: CallOptions): Promise<WorkWatch>;
}

/** ManifestWorks of every namespace of the source: list and watch only. */
export interface AllNamespacesWorkClient {
  list(options?: WorkListOptions, call?: CallOptions): Promise<WorkList>;
  watch(handler: WatchHandler, options?: WorkWatchOptions, call?: CallOptions): Promise<WorkWatch>;
}

function selectorOf(text: string | undefined): { selector: LabelSelector; labelSearch: string | undefined } {
  try {
    return { selector: parseLabelSelector(text ?? ""), labelSearch: toLabelSearch(text ?? "") };
  } catch (err) {
    if (err instanceof LabelSelectorError) throw WorkErrors.badRequest("", `invalid labels selector ${JSON.stringify(text)}: ${err.message}`, err);
    throw err;
  }
}

function toWork(rb: ResourceBundle, name: string): ManifestWork {
  try {
    return manifestWorkFromResourceBundle(rb);
  } catch (err) {
    throw WorkErrors.internal(name, err);
  }
}

/**
 * The work client. Each `works(ns)` is an independent view (Go's shares one namespace field).
 * Example: `const client = new SourceWorkClient({ sourceId: "s1", connection, rest });
 *  await client.works("cluster1").create(work); const w = await client.works("cluster1").get("w1");`
 */
export class SourceWorkClient {
  readonly sourceId: string;
  readonly #options: WorkClientOptions;
  readonly #hub: WatchHub;
  readonly #unlisten: () => void;
  #closed = false;

  constructor(options: WorkClientOptions) {
    if (options.sourceId === "") throw new TypeError("source id is required");
    if (options.sourceId.includes("'")) throw new TypeError("a source id must not contain a quote: it is embedded in REST searches");
    if (options.connection.sourceId !== options.sourceId) throw new TypeError("the connection belongs to another source");
    this.sourceId = options.sourceId;
    this.#options = options;
    this.#hub = new WatchHub((err, context) => this.#report(err, context));
    this.#unlisten = options.connection.listen({
      onEvent: (event) => this.#onStatusEvent(event),
      onSubscribed: (info) => this.#onSubscribed(info),
    });
  }

  /**
   * The works of one consumer. Example: `client.works("cluster1").list({ labelSelector: "app=web" })`.
   */
  works(namespace: string): NamespacedWorkClient {
    if (namespace === ALL_NAMESPACES) throw new TypeError("a namespace is required; use allNamespaces() for every namespace");
    return {
      namespace,
      create: (work, call) => this.#create(namespace, work, call),
      get: (name, call) => this.#get(namespace, name, call),
      list: (options, call) => this.#list(namespace, options, call),
      patch: (name, patchType, data, call) => this.#patch(namespace, name, patchType, data, call),
      delete: (name, call) => this.#delete(namespace, name, call),
      watch: (handler, options, call) => this.#watch(namespace, handler, options, call),
    };
  }

  /** List and watch across every consumer of this source. Example: `client.allNamespaces().watch(h)`. */
  allNamespaces(): AllNamespacesWorkClient {
    return {
      list: (options, call) => this.#list(ALL_NAMESPACES, options, call),
      watch: (handler, options, call) => this.#watch(ALL_NAMESPACES, handler, options, call),
    };
  }

  /** Stops every watch and detaches from the connection (closing it if owned). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.clear();
    this.#unlisten();
    if (this.#options.ownsConnection) this.#options.connection.close();
  }

  async #create(namespace: string, work: ManifestWork, call?: CallOptions): Promise<ManifestWork> {
    const name = work.metadata?.name ?? "";
    const given = work.metadata?.namespace;
    if (given !== undefined && given !== "" && given !== namespace) {
      throw WorkErrors.invalid(name, `metadata.namespace: Invalid value: ${JSON.stringify(given)}: does not match the namespace ${namespace}`);
    }
    if ((await this.#find(namespace, name, call)) !== undefined) throw WorkErrors.alreadyExists(name);
    const newWork = structuredClone(work);
    newWork.metadata = {
      ...newWork.metadata,
      uid: workResourceId(this.sourceId, namespace, name),
      namespace,
      resourceVersion: publishedResourceVersion(work),
    };
    await this.#publish(newWork, "create_request", name);
    return structuredClone(newWork);
  }

  async #get(namespace: string, name: string, call?: CallOptions): Promise<ManifestWork> {
    const work = await this.#find(namespace, name, call);
    if (work === undefined) throw WorkErrors.notFound(name);
    return work;
  }

  async #list(namespace: string, options: WorkListOptions = {}, call?: CallOptions): Promise<WorkList> {
    const { labelSearch } = selectorOf(options.labelSelector);
    const search = workSearch(this.sourceId, namespace, labelSearch);
    let paged;
    try {
      paged = await pageBundles(this.#options.rest, search, { limit: options.limit, continue: options.continue }, call);
    } catch (err) {
      throw err instanceof WorkError ? err : WorkErrors.internal("", err);
    }
    return { items: paged.items.map((rb) => toWork(rb, rb.name)), continue: paged.continue };
  }

  async #patch(namespace: string, name: string, patchType: WorkPatchType, data: PatchData, call?: CallOptions): Promise<ManifestWork> {
    const last = await this.#find(namespace, name, call);
    if (last === undefined) throw WorkErrors.notFound(name);
    let patched: ManifestWork;
    try {
      patched = applyWorkPatch(last, patchType, data);
    } catch (err) {
      throw WorkErrors.internal(name, err);
    }
    patched.metadata.resourceVersion = publishedResourceVersion(patched);
    await this.#publish(patched, "update_request", name);
    return structuredClone(patched);
  }

  async #delete(namespace: string, name: string, call?: CallOptions): Promise<void> {
    const work = await this.#find(namespace, name, call);
    if (work === undefined) return; // Go: deleting an absent work is a no-op.
    const now = timestampNow(this.#options.nowMs);
    await this.#publish(work, "delete_request", name, now);
  }

  async #watch(namespace: string, handler: WatchHandler, options: WorkWatchOptions = {}, call?: CallOptions): Promise<WorkWatch> {
    if (this.#closed) throw WorkErrors.internal("", new Error("the work client is closed"));
    const { selector, labelSearch } = selectorOf(options.labelSelector);
    // Register first so no status event is lost while the initial list is in flight; list entries
    // for works that got an event meanwhile are skipped (the event is at least as new).
    const watcher = this.#hub.add(namespace, selector, handler);
    const listing = this.#hub.beginListing();
    let works: ManifestWork[];
    try {
      const { items } = await pageBundles(this.#options.rest, workSearch(this.sourceId, namespace, labelSearch), {}, call);
      works = items.map((rb) => toWork(rb, rb.name));
    } catch (err) {
      this.#hub.dropListing(listing);
      this.#hub.remove(watcher);
      throw err instanceof WorkError ? err : WorkErrors.internal("", err);
    }
    this.#hub.finishListing(listing, works, watcher); // A watcher stopped meanwhile receives nothing.
    return { stop: () => this.#hub.remove(watcher) };
  }

  /** GET the work's bundle: the work, or undefined on 404; other failures are InternalError. */
  async #find(namespace: string, name: string, call?: CallOptions): Promise<ManifestWork | undefined> {
    const id = workResourceId(this.sourceId, namespace, name);
    let rb: ResourceBundle;
    try {
      rb = await this.#options.rest.getResourceBundle(id, call);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw WorkErrors.internal(name, err);
    }
    return toWork(rb, name);
  }

  async #publish(work: ManifestWork, action: SpecAction, name: string, deletionTimestamp?: Timestamp): Promise<void> {
    // Go validates creates and patches only; a delete publishes the stored work as it is.
    const errs = action === "delete_request" ? [] : validateWork(work);
    if (errs.length > 0) throw WorkErrors.invalid(name, aggregateFieldErrors(errs));
    let event: CloudEvent;
    try {
      event = manifestWorkToSpecEvent(work, { sourceId: this.sourceId, action, deletionTimestamp });
    } catch (err) {
      throw WorkErrors.invalid(name, errorText(err), err);
    }
    try {
      await this.#options.connection.publish(event);
    } catch (err) {
      throw publishWorkError(name, err);
    }
  }

  #onStatusEvent(event: CloudEvent): void {
    if (this.#closed || !isWorkStatusEvent(event)) return;
    let work: ManifestWork;
    try {
      work = manifestWorkFromStatusEvent(event);
    } catch (err) {
      this.#report(err, `decoding status event ${event.id}`);
      return;
    }
    this.#hub.dispatch({ type: isWorkDeleted(work) ? "DELETED" : "MODIFIED", object: work });
  }

  #onSubscribed(_info: SubscribedInfo): void {
    // Go re-lists after each reconnect; its first subscription always precedes every watch (the
    // constructor connects). Here a watch may start before the first subscription, so any
    // subscription with watchers re-lists: statuses sent before it reached nobody.
    if (this.#closed || this.#hub.size === 0) return;
    // Fire-and-forget is safe: the re-list re-checks `closed` after its await and only reports failures.
    this.#resyncWithRetry(0).catch((err: unknown) => this.#report(err, "re-list after reconnect"));
  }

  /**
   * Re-lists, retrying a failed list with backoff (the REST API may not answer yet right after a
   * server restart), up to relistAttemptsMax times; a later subscription starts a fresh series.
   */
  async #resyncWithRetry(attempt: number): Promise<void> {
    try {
      await this.#resync();
    } catch (err) {
      if (this.#closed || attempt + 1 >= relistAttemptsMax) throw err;
      this.#report(err, `re-list after reconnect (attempt ${attempt + 1}, retrying)`);
      await Bun.sleep(backoffDelayMs(attempt));
      if (this.#closed) return;
      await this.#resyncWithRetry(attempt + 1);
    }
  }

  async #resync(): Promise<void> {
    const namespaces = this.#hub.namespaces();
    const listing = this.#hub.beginListing();
    try {
      const { items } = await pageBundles(this.#options.rest, syncSearch(this.sourceId, namespaces));
      if (this.#closed) return;
      this.#hub.finishListing(listing, items.map((rb) => toWork(rb, rb.name)));
    } finally {
      this.#hub.dropListing(listing);
    }
  }

  #report(err: unknown, context: string): void {
    this.#options.onError?.(err, context);
  }
}
