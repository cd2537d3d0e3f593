// publishWorkError on the server's maestro-6 texts (all sent with gRPC AlreadyExists): only a
// create's "already exists" is AlreadyExists; a stale version or a work under deletion is Conflict.

import { describe, expect, test } from "bun:test";
import { PublishError, publishWorkError } from "../../src/client/errors.ts";

const ALREADY_EXISTS = 6;

describe("publishWorkError with the server's gRPC AlreadyExists code", () => {
  test("a spec update of a work being deleted is a Conflict that keeps the server's text", () => {
    const err = publishWorkError("w1", new PublishError(ALREADY_EXISTS, "failed to update resource: maestro-6: the resource is under deletion, id: abc"));
    expect(err.reason).toBe("Conflict");
    expect(err.httpStatus).toBe(409);
    expect(err.message).toContain("the resource is under deletion, id: abc");
  });

  test("stale version is Conflict, a create's duplicate is AlreadyExists", () => {
    const stale = "failed to update resource: maestro-6: the resource version is not the latest, the latest version: 2";
    expect(publishWorkError("w1", new PublishError(ALREADY_EXISTS, stale)).reason).toBe("Conflict");
    expect(publishWorkError("w1", new PublishError(ALREADY_EXISTS, "failed to create resource: maestro-6: This Resource already exists")).reason).toBe("AlreadyExists");
  });
});
