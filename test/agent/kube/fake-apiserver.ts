// A fake Kubernetes API server on Bun.serve (127.0.0.1, port 0): discovery, GET/POST/PUT/PATCH
// (server-side apply)/DELETE over an in-memory map, Status errors as kube-apiserver words them.

import type { JsonObject, JsonValue } from "../../../src/cloudevents/types.ts";
import { coreVersions, groupList, initialResources, resourceList, type FakeResource } from "./fake-discovery.ts";
import { handleObject, seedObject, type ObjectStore, type Target } from "./fake-objects.ts";
import { status } from "./fake-status.ts";

/** One request as the server saw it, and the answer it gave. */
export interface RecordedExchange {
  request: {
    method: string;
    path: string;
    /** Raw query string without "?", as sent ("" when none). */
    query: string;
    headers: Record<string, string>;
    /** Parsed JSON body (JSON is valid YAML, so apply bodies parse too); null when empty. */
    body: JsonValue;
  };
  response: { status: number; body: JsonValue };
}

/** Server settings: TLS material for https, and a bearer token that every request must carry. */
export interface FakeApiServerOptions {
  readonly tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
  readonly token?: string;
}

/** A canned answer for the next request (error pages, odd bodies). */
export interface InjectedResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly delayMs?: number;
}

const RECORDED_HEADERS = ["accept", "content-type", "authorization", "user-agent"];

/**
 * The fake. `exchanges` records every request; `take()` returns and clears them.
 * Example: `const api = FakeApiServer.start(); …; api.stop()`.
 */
export class FakeApiServer {
  readonly resources = initialResources();
  readonly store: ObjectStore = { objects: new Map(), owners: new Map(), counter: { rv: 1000, uid: 0 } };
  readonly exchanges: RecordedExchange[] = [];
  /** Milliseconds to wait before answering every request (timeout tests). */
  delayMs = 0;
  #injected: InjectedResponse[] = [];
  #server: ReturnType<typeof Bun.serve> | undefined;

  private constructor(private readonly options: FakeApiServerOptions) {}

  static start(options: FakeApiServerOptions = {}): FakeApiServer {
    const fake = new FakeApiServer(options);
    const tls = options.tls && { cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: options.tls.requestCert, rejectUnauthorized: options.tls.requestCert };
    fake.#server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls, fetch: (req) => fake.#handle(req) });
    return fake;
  }

  get url(): string {
    const scheme = this.options.tls ? "https" : "http";
    return `${scheme}://127.0.0.1:${this.#server!.port}`;
  }

  get port(): number {
    return this.#server!.port!;
  }

  /** Returns the recorded exchanges and forgets them. */
  take(): RecordedExchange[] {
    return this.exchanges.splice(0, this.exchanges.length);
  }

  /** Answers the next request with `response` instead of handling it. */
  inject(response: InjectedResponse): void {
    this.#injected.push(response);
  }

  /** Serves one more resource in a group-version (a CRD being installed). */
  addResource(groupVersion: string, resource: FakeResource): void {
    (this.resources[groupVersion] ??= []).push(resource);
  }

  /**
   * Stores an object as if `manager` had written it (not recorded as an exchange).
   * Example: `api.seed("v1", "configmaps", "ns1", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } })`.
   */
  seed(groupVersion: string, resourceName: string, namespace: string, object: JsonObject, manager = "kubectl"): JsonObject {
    const resource = this.resources[groupVersion]?.find((r) => r.name === resourceName);
    if (!resource) throw new Error(`the fake serves no ${resourceName} in ${groupVersion}`);
    const name = (object.metadata as JsonObject).name as string;
    return seedObject(this.store, { groupVersion, resource, namespace, name }, object, manager);
  }

  /** The stored object, if any (read without recording). */
  object(groupVersion: string, resourceName: string, namespace: string, name: string): JsonObject | undefined {
    return this.store.objects.get(`${groupVersion}|${resourceName}|${namespace}|${name}`);
  }

  /** Forgets objects, owners and recordings (discovery documents are kept). */
  reset(): void {
    this.store.objects.clear();
    this.store.owners.clear();
    this.store.counter.rv = 1000;
    this.store.counter.uid = 0;
    this.exchanges.length = 0;
    this.#injected = [];
    this.delayMs = 0;
  }

  stop(): void {
    this.#server?.stop(true);
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const text = await req.text();
    const injected = this.#injected.shift();
    const delay = injected?.delayMs ?? this.delayMs;
    if (delay > 0) await Bun.sleep(delay);
    const answer = injected ?? this.#answer(req, url, text);
    this.exchanges.push({
      request: { method: req.method, path: url.pathname, query: url.search.replace(/^\?/, ""), headers: pick(req.headers), body: parseBody(text) },
      response: { status: answer.status, body: parseBody(answer.body) },
    });
    return new Response(answer.body, { status: answer.status, headers: { "Content-Type": answer.contentType ?? "application/json" } });
  }

  #answer(req: Request, url: URL, text: string): InjectedResponse {
    if (this.options.token && req.headers.get("authorization") !== `Bearer ${this.options.token}`) {
      return json(401, status(401, "Unauthorized", "Unauthorized"));
    }
    if (req.method === "GET" && url.pathname === "/api") return json(200, coreVersions());
    if (req.method === "GET" && url.pathname === "/apis") return json(200, groupList(Object.keys(this.resources)));
    const target = this.#target(url.pathname);
    if (!target) return json(404, status(404, "NotFound", "the server could not find the requested resource"));
    if (target === "discovery") {
      const gv = groupVersionOf(url.pathname)!;
      return json(200, resourceList(gv, this.resources[gv]!));
    }
    const [code, body] = handleObject(this.store, target, { method: req.method, query: url.searchParams, contentType: req.headers.get("content-type") ?? "", body: text });
    return json(code, body);
  }

  /** Parses an API path the way kube-apiserver routes it; "discovery" for a group-version root. */
  #target(path: string): Target | "discovery" | undefined {
    const gv = groupVersionOf(path);
    const served = gv === undefined ? undefined : this.resources[gv];
    if (!gv || !served) return undefined;
    const rest = path.slice((gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`).length).split("/").filter(Boolean);
    if (rest.length === 0) return "discovery";
    const namespaced = rest[0] === "namespaces" && rest.length >= 3;
    const [namespace, resource, name] = namespaced ? [rest[1]!, rest[2]!, rest[3]] : ["", rest[0]!, rest[1]];
    const found = served.find((r) => r.name === resource);
    if (!found || found.namespaced !== namespaced || rest.length > (namespaced ? 4 : 2)) return undefined;
    return { groupVersion: gv, resource: found, namespace, name: name === undefined ? undefined : decodeURIComponent(name) };
  }
}

function groupVersionOf(path: string): string | undefined {
  const core = /^\/api\/([^/]+)/.exec(path);
  if (core) return core[1];
  const named = /^\/apis\/([^/]+)\/([^/]+)/.exec(path);
  return named ? `${named[1]}/${named[2]}` : undefined;
}

function json(code: number, body: JsonObject): InjectedResponse {
  return { status: code, body: JSON.stringify(body) };
}

function pick(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function parseBody(text: string): JsonValue {
  if (text === "") return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
