// The consumer routes: list, create, get, relabel and delete, with Maestro's bodies, status
// codes and error texts; every bad input is a 4xx before anything is written.

import { Elysia } from "elysia";
import { randomUUID } from "node:crypto";
import { Errors } from "../../errors.ts";
import type { ConsumerRepository } from "../../store/consumer-repository.ts";
import { CONSUMER_KEYS, presentConsumer } from "../presenters/consumer.ts";
import { listResponse, pathId } from "../route-helpers.ts";
import { optionalString, optionalStringMap, readJsonObject } from "../request-body.ts";
import { jsonResponse, noContent } from "../responses.ts";
import { validateConsumerName } from "../consumer-name.ts";

/** Keys a POST body may carry: the Consumer model's (read-only ones are accepted and ignored, as Go clients may send them). */
const consumerPostKeys = ["id", "kind", "href", "name", "labels", "created_at", "updated_at"];
/** Keys a PATCH body may carry: ConsumerPatchRequest has only labels. */
const consumerPatchKeys = ["labels"];

/** The consumer routes as an Elysia plugin over a repository. */
export function consumerRoutes(repo: ConsumerRepository) {
  return new Elysia()
    .get("/api/maestro/v1/consumers", ({ request }) =>
      listResponse(request, {
        table: "consumers",
        kind: "ConsumerList",
        modelName: "Consumer",
        modelKeys: CONSUMER_KEYS,
        list: (query) => repo.list(query),
        present: presentConsumer,
      }),
    )
    .post(
      "/api/maestro/v1/consumers",
      async ({ request }) => {
        const body = await readJsonObject(request, consumerPostKeys);
        if (optionalString(body, "id")) throw Errors.validation("id must be empty");
        optionalString(body, "kind");
        optionalString(body, "href");
        const id = randomUUID();
        const name = optionalString(body, "name") || id;
        validateConsumerName(name);
        const labels = optionalStringMap(body, "labels") ?? null;
        const row = await repo.create({ id, name, labels: labels && Object.keys(labels).length > 0 ? labels : null });
        return jsonResponse(request, 201, presentConsumer(row));
      },
      { parse: "none" },
    )
    .get("/api/maestro/v1/consumers/:id", async ({ request, params }) =>
      jsonResponse(request, 200, presentConsumer(await repo.get(pathId(params.id, "consumer")))),
    )
    .patch(
      "/api/maestro/v1/consumers/:id",
      async ({ request, params }) => {
        const id = pathId(params.id, "consumer");
        const body = await readJsonObject(request, consumerPatchKeys);
        const labels = optionalStringMap(body, "labels");
        // Absent labels leave the consumer as it is; an empty map (or null) clears them.
        if (labels === undefined) return jsonResponse(request, 200, presentConsumer(await repo.get(id)));
        const row = await repo.setLabels(id, labels && Object.keys(labels).length > 0 ? labels : null);
        return jsonResponse(request, 200, presentConsumer(row));
      },
      { parse: "none" },
    )
    .delete("/api/maestro/v1/consumers/:id", async ({ request, params }) => {
      await repo.delete(pathId(params.id, "consumer"));
      return noContent(request);
    });
}
