// The JSON shapes of Maestro's REST API (maestro-wire.md 5.3), defined once: the server's
// presenters produce them and the TypeScript client reads them. Types only.

import type { Condition, ManifestCondition } from "../cloudevents/manifest-bundle.ts";
import type { JsonObject, JsonValue } from "../cloudevents/types.ts";

/** A consumer (a managed cluster). `labels` is absent when it has none. */
export interface Consumer {
  created_at: string;
  href: string;
  id: string;
  kind: "Consumer";
  labels?: Record<string, string>;
  name: string;
  updated_at: string;
}

/** POST /consumers body: both fields optional (name defaults to the generated id). */
export interface ConsumerCreateRequest {
  name?: string;
  labels?: Record<string, string>;
}

/** PATCH /consumers/{id} body: only labels change; `{}` leaves them, an empty map clears them. */
export interface ConsumerPatchRequest {
  labels?: Record<string, string>;
}

/**
 * A resource bundle's status: the last accepted agent status. Note Maestro's capitalised
 * `ObservedVersion` and `SequenceID` (a Go struct without JSON tags).
 */
export interface ResourceBundleStatus {
  ObservedVersion: number;
  SequenceID: string;
  conditions: Condition[] | null;
  resourceStatus?: ManifestCondition[];
}

/** A resource bundle: the stored ManifestBundle split into snake_case keys, plus metadata and status. */
export interface ResourceBundle {
  consumer_name: string;
  created_at: string;
  deleted_at?: string;
  delete_option: JsonObject;
  href: string;
  id: string;
  kind: "ResourceBundle";
  manifest_configs: JsonValue[];
  manifests: JsonValue[];
  metadata: JsonObject;
  name: string;
  status?: ResourceBundleStatus;
  updated_at: string;
  version: number;
}

/** A list page: `size` is the number of items returned, `total` the number of matches. */
export interface List<Item> {
  items: Item[];
  kind: string;
  page: number;
  size: number;
  total: number;
}

/** A consumer list page. */
export type ConsumerList = List<Consumer>;
/** A resource bundle list page. */
export type ResourceBundleList = List<ResourceBundle>;

/** Query parameters of both list endpoints (maestro-wire.md 5.2). */
export interface ListParams {
  /** TSL search text, e.g. `source='s1' and consumer_name='c1'`. */
  search?: string;
  /** 1-based page (default 1). */
  page?: number;
  /** Page size (default 100, at most 65,500). */
  size?: number;
  /** e.g. `created_at desc, name`. */
  orderBy?: string;
  /** Fields to keep in each item (id is always kept). With it, items are partial. */
  fields?: readonly string[];
}

/** Maestro's error body, for every API error (keys in Maestro's sorted order). */
export interface ErrorBody {
  code: string;
  href: string;
  id: string;
  kind: "Error";
  operation_id: string;
  reason: string;
}
