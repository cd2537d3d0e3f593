// The resource-bundle routes: list, get and delete (a soft delete the agent finishes). Bundles
// are written over gRPC only; REST has no create or update, as in Maestro.

import { Elysia } from "elysia";
import { Errors } from "../../errors.ts";
import type { ResourceRepository } from "../../store/resource-repository.ts";
import { compileListQuery } from "../list-query.ts";
import { parseListArgs } from "../list-args.ts";
import { presentList } from "../presenters/list.ts";
import { RESOURCE_BUNDLE_KEYS, presentResourceBundle } from "../presenters/resource-bundle.ts";
import { jsonResponse, noContent } from "../responses.ts";

/** What the routes need: reads, and the soft delete (through the batch writer). */
export interface ResourceBundleDeps {
  readonly resources: ResourceRepository;
  /** Marks the bundle deleting; a missing id is a no-op. Resolves after commit. */
  softDelete(id: string): Promise<void>;
}

function pathId(id: string | undefined): string {
  if (!id) throw Errors.badRequest("the resource bundle id in the path is empty or badly escaped");
  return id;
}

/** The resource-bundle routes as an Elysia plugin. */
export function resourceBundleRoutes(deps: ResourceBundleDeps) {
  return new Elysia()
    .get("/api/maestro/v1/resource-bundles", async ({ request }) => {
      const args = parseListArgs(new URL(request.url).searchParams);
      const page = await deps.resources.list(compileListQuery(args, "resources"));
      const items = page.rows.map(presentResourceBundle);
      const body = presentList("ResourceBundleList", args.page, page.total, items, {
        fields: args.fields,
        modelKeys: RESOURCE_BUNDLE_KEYS,
        modelName: "ResourceBundle",
      });
      return jsonResponse(request, 200, body);
    })
    .get("/api/maestro/v1/resource-bundles/:id", async ({ request, params }) =>
      jsonResponse(request, 200, presentResourceBundle(await deps.resources.get(pathId(params.id)))),
    )
    .delete("/api/maestro/v1/resource-bundles/:id", async ({ request, params }) => {
      await deps.softDelete(pathId(params.id));
      return noContent(request);
    });
}
