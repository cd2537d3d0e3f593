// Error classification: Publish failures to work errors, REST error bodies.

import { describe, expect, test } from "bun:test";
import { ApiError, PublishError, publishWorkError, WorkError } from "../../src/client/errors.ts";
import { errorBodyOf, listQuery } from "../../src/client/rest-client.ts";
import { toPublishError } from "../../src/client/source-connection.ts";

describe("publishWorkError", () => {
  test("Maestro's stale version text is a Conflict", () => {
    const err = publishWorkError("w1", new PublishError(2, "failed to update resource: maestro-6: the resource version is not the latest, the latest version: 3"));
    expect(err).toBeInstanceOf(WorkError);
    expect(err.reason).toBe("Conflict");
    expect(err.httpStatus).toBe(409);
    expect(err.message).toContain('manifestworks.work.open-cluster-management.io "w1"');
  });

  test("already exists and not found", () => {
    expect(publishWorkError("w1", new PublishError(2, "failed to create resource: maestro-6: This Resource already exists")).reason).toBe("AlreadyExists");
    expect(publishWorkError("w1", new PublishError(6, "x")).reason).toBe("AlreadyExists");
    expect(publishWorkError("w1", new PublishError(2, "failed to get resource: maestro-7: Resource with id='x' not found")).reason).toBe("NotFound");
    expect(publishWorkError("w1", new PublishError(5, "gone")).reason).toBe("NotFound");
  });

  test("everything else is a PublishError (500), as the Go client reports", () => {
    const err = publishWorkError("w1", new PublishError(14, "No connection established"));
    expect(err.reason).toBe("PublishError");
    expect(err.httpStatus).toBe(500);
    expect(publishWorkError("w1", new Error("boom")).reason).toBe("PublishError");
  });
});

describe("toPublishError", () => {
  test("keeps grpc-js code and details", () => {
    const e = toPublishError(Object.assign(new Error("2 UNKNOWN: x"), { code: 2, details: "x" }));
    expect([e.grpcCode, e.details]).toEqual([2, "x"]);
  });
  test("anything else is Unknown", () => expect(toPublishError("boom").grpcCode).toBe(2));
});

describe("REST helpers", () => {
  test("errorBodyOf reads Maestro's body and the unknown-path body", () => {
    const body = errorBodyOf('{"code":"maestro-7","href":"/api/maestro/v1/errors/7","id":"7","kind":"Error","operation_id":"op","reason":"x"}');
    expect(body).toEqual({ code: "maestro-7", href: "/api/maestro/v1/errors/7", id: "7", kind: "Error", operation_id: "op", reason: "x" });
    expect(errorBodyOf('{"type":"Error","id":"404","href":"/api/maestro/v1/errors/404","code":"maestro-404","reason":"r"}')?.code).toBe("maestro-404");
    expect(errorBodyOf("not json")).toBeUndefined();
    expect(errorBodyOf('{"code":1}')).toBeUndefined();
  });

  test("ApiError exposes code, reason and operation id", () => {
    const e = new ApiError({ status: 404, method: "GET", path: "/p", body: errorBodyOf('{"code":"maestro-7","reason":"gone","operation_id":"op1"}') });
    expect([e.code, e.reason, e.operationId, e.message]).toEqual(["maestro-7", "gone", "op1", "GET /p: 404 maestro-7: gone"]);
  });

  test("listQuery sends only what is set", () => {
    expect(listQuery({}).toString()).toBe("");
    expect(listQuery({ search: "source='s'", page: 2, size: 400, orderBy: "created_at desc", fields: ["name", "version"] }).toString()).toBe(
      "search=source%3D%27s%27&page=2&size=400&orderBy=created_at+desc&fields=name%2Cversion",
    );
  });
});
