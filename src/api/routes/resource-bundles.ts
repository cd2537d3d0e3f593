// The resource-bundle routes: list, get and delete (a soft delete the agent finishes). Bundles
// are written over gRPC only; REST has no create or update, as in Maestro.

import { Elysia } from "elysia";
import type { ResourceRepository } from "../../store/resource-repository.ts";
import { RESOURCE_BUNDLE_KEYS, presentResourceBundle, resourceBundleJson } from "../presenters/resource-bundle.ts";
import { listResponse, pathId } from "../route-helpers.ts";
import { jsonTextResponse, noContent } from "../responses.ts";

/** What the routes need: reads, and the soft delete (through the batch writer). */
export interface ResourceBundleDeps {
  readonly resources: ResourceRepository;
  /** Marks the bundle deleting; a missing id is a no-op. Resolves after commit. */
  softDelete(id: string): Promise<void>;
}

/** The resource-bundle routes as an Elysia plugin. */
export function resourceBundleRoutes(deps: ResourceBundleDeps) {
  return new Elysia()
    .get("/api/maestro/v1/resource-bundles", ({ request }) =>
      listResponse(request, {
        table: "resources",
        kind: "ResourceBundleList",
        modelName: "ResourceBundle",
        modelKeys: RESOURCE_BUNDLE_KEYS,
        list: (query) => deps.resources.listBundles(query),
        present: presentResourceBundle,
        presentJson: resourceBundleJson,
      }),
    )
    .get("/api/maestro/v1/resource-bundles/:id", async ({ request, params }) =>
      jsonTextResponse(request, 200, resourceBundleJson(await deps.resources.getBundle(pathId(params.id, "resource bundle")))),
    )
    .delete("/api/maestro/v1/resource-bundles/:id", async ({ request, params }) => {
      await deps.softDelete(pathId(params.id, "resource bundle"));
      return noContent(request);
    });
}
