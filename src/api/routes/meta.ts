// The discovery routes: the API roots, the OpenAPI document as JSON, and the error catalogue
// (GET /errors with paging over the static list, GET /errors/{code}).

import { Elysia } from "elysia";
import { ALL_ERROR_CODES, ERROR_TABLE, Errors, MaestroError } from "../../errors.ts";
import { parseListArgs } from "../list-args.ts";
import openapiDocument from "../openapi.yaml";
import { errorBody, jsonResponse } from "../responses.ts";

const apiRoot = {
  id: "maestro",
  kind: "API",
  href: "/api/maestro",
  versions: [{ id: "v1", href: "/api/maestro/v1", kind: "", collections: null }],
};

const v1Root = {
  id: "v1",
  href: "/api/maestro/v1",
  kind: "APIVersion",
  collections: [{ id: "resources", href: "/api/maestro/v1/resources", kind: "ResourceList" }],
};

function catalogueEntry(code: (typeof ALL_ERROR_CODES)[number]) {
  return errorBody(new MaestroError(code, ERROR_TABLE[code].defaultReason), "");
}

/** The discovery routes as an Elysia plugin. */
export function metaRoutes() {
  return new Elysia()
    .get("/api/maestro", ({ request }) => jsonResponse(request, 200, apiRoot))
    .get("/api/maestro/v1", ({ request }) => jsonResponse(request, 200, v1Root))
    .get("/api/maestro/v1/openapi", ({ request }) => jsonResponse(request, 200, openapiDocument))
    .get("/api/maestro/v1/errors", ({ request }) => {
      const args = parseListArgs(new URL(request.url).searchParams);
      const start = (args.page - 1) * args.size;
      const items = ALL_ERROR_CODES.slice(start, start + args.size).map(catalogueEntry);
      return jsonResponse(request, 200, { items, kind: "ErrorList", page: args.page, size: items.length, total: ALL_ERROR_CODES.length });
    })
    .get("/api/maestro/v1/errors/:code", ({ request, params }) => {
      const code = Number(params.code);
      const known = ALL_ERROR_CODES.find((c) => String(c) === params.code && c === code);
      if (known === undefined) throw Errors.notFound(`No error with id ${params.code ?? ""} exists`);
      return jsonResponse(request, 200, catalogueEntry(known));
    });
}
