// A tiny fake of Maestro's REST API on Bun.serve (port 0): consumers and resource bundles kept in
// maps, Maestro's error bodies, and a log of every request the client sent.

import type { Server } from "bun";
import type { Consumer, ResourceBundle } from "../../src/client/rest-types.ts";

/** One request as the fake saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Headers;
  readonly body: unknown;
}

const PREFIX = "/api/maestro/v1";

function errorBody(code: number, reason: string, operationId: string): Record<string, string> {
  return { code: `maestro-${code}`, href: `${PREFIX}/errors/${code}`, id: String(code), kind: "Error", operation_id: operationId, reason };
}

/** The fake server. `hang` makes matching paths never answer (timeout tests). */
export class FakeRestServer {
  readonly consumers = new Map<string, Consumer>();
  readonly bundles = new Map<string, ResourceBundle>();
  readonly requests: SeenRequest[] = [];
  hang: RegExp | undefined;
  #server: Server<undefined> | undefined;

  get url(): string {
    return `http://127.0.0.1:${this.#server!.port}`;
  }

  start(): void {
    this.#server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => this.#handle(req) });
  }

  stop(): void {
    void this.#server?.stop(true);
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const text = await req.text();
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    this.requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
    if (this.hang?.test(url.pathname)) return new Promise<Response>(() => {});
    const op = req.headers.get("x-operation-id") ?? "generated-op";
    const json = (status: number, value: unknown) => Response.json(value, { status });
    if (url.pathname.startsWith("/broken/")) return new Response("upstream down", { status: 502 });
    const path = url.pathname.startsWith(`${PREFIX}/`) ? url.pathname.slice(PREFIX.length) : "";
    const [, collection, id] = path.split("/");
    if (collection === "consumers") return this.#consumers(req.method, id, body, op, json);
    if (collection === "resource-bundles") return this.#bundles(req.method, id, url, op, json);
    return json(404, { type: "Error", id: "404", href: `${PREFIX}/errors/404`, code: "maestro-404", reason: `The requested resource '${url.pathname}' doesn't exist` });
  }

  #consumers(method: string, id: string | undefined, body: unknown, op: string, json: (s: number, v: unknown) => Response): Response {
    if (id === undefined && method === "GET") {
      const items = [...this.consumers.values()];
      return json(200, { items, kind: "ConsumerList", page: 1, size: items.length, total: items.length });
    }
    if (id === undefined && method === "POST") {
      const { name, labels } = body as { name?: string; labels?: Record<string, string> };
      if ([...this.consumers.values()].some((c) => c.name === name)) return json(409, errorBody(6, "This Consumer already exists", op));
      const consumer: Consumer = { created_at: "2026-01-01T00:00:00Z", href: `${PREFIX}/consumers/c-1`, id: "c-1", kind: "Consumer", name: name ?? "c-1", updated_at: "2026-01-01T00:00:00Z", ...(labels ? { labels } : {}) };
      this.consumers.set(consumer.id, consumer);
      return json(201, consumer);
    }
    const consumer = this.consumers.get(id ?? "");
    if (consumer === undefined) return json(404, errorBody(7, `Consumer with id='${id}' not found`, op));
    if (method === "GET") return json(200, consumer);
    if (method === "PATCH") {
      const { labels } = body as { labels?: Record<string, string> };
      if (labels !== undefined) consumer.labels = labels;
      return json(200, consumer);
    }
    if ([...this.bundles.values()].some((b) => b.consumer_name === consumer.name)) {
      return json(403, errorBody(4, "Unable to delete Consumer: violates foreign key constraint", op));
    }
    this.consumers.delete(consumer.id);
    return new Response(null, { status: 204 });
  }

  #bundles(method: string, id: string | undefined, url: URL, op: string, json: (s: number, v: unknown) => Response): Response {
    if (id === undefined) {
      const page = Number(url.searchParams.get("page") ?? "1");
      const size = Number(url.searchParams.get("size") ?? "100");
      const all = [...this.bundles.values()];
      const items = all.slice((page - 1) * size, page * size);
      return json(200, { items, kind: "ResourceBundleList", page, size: items.length, total: all.length });
    }
    if (method === "DELETE") {
      this.bundles.delete(id);
      return new Response(null, { status: 204 });
    }
    const rb = this.bundles.get(id);
    return rb === undefined ? json(404, errorBody(7, `Resource with id='${id}' not found`, op)) : json(200, rb);
  }
}
