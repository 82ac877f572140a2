import { describe, expect, it } from "vitest";
import { byTag, exampleOf, missing, operations, requestUrl, resolveRef, typeText, type OpenApiDoc } from "./openapi";

const doc: OpenApiDoc = {
  paths: {
    "/b/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
      delete: { tags: ["z"], responses: { "404": { $ref: "#/components/responses/NotFound" }, "200": { description: "gone" } } },
      get: { tags: ["z"], parameters: [{ $ref: "#/components/parameters/Limit" }], responses: {} },
    },
    "/a": { post: { responses: {} } },
  },
  components: {
    responses: { NotFound: { description: "no such thing" } },
    parameters: { Limit: { name: "limit", in: "query", schema: { type: "integer", minimum: 1 } } },
    schemas: { "a/b": { type: "string", format: "uuid" }, Tree: { type: "object", properties: { child: { $ref: "#/components/schemas/Tree" } } } },
  },
};

describe("openapi", () => {
  it("lists operations with shared and referenced parameters and responses", () => {
    const ops = operations(doc);
    expect(ops.map((o) => o.id)).toEqual(["POST /a", "GET /b/{id}", "DELETE /b/{id}"]);
    expect(ops[1].parameters.map((p) => p.name)).toEqual(["id", "limit"]);
    expect(ops[2].responses.map((r) => [r.status, r.description])).toEqual([["200", "gone"], ["404", "no such thing"]]);
    expect(byTag(ops).map(([t, l]) => [t, l.length])).toEqual([["other", 1], ["z", 2]]);
  });
  it("resolves escaped references and survives recursive schemas", () => {
    expect(resolveRef(doc, "#/components/schemas/a~1b")).toEqual({ type: "string", format: "uuid" });
    expect(resolveRef(doc, "http://elsewhere/x")).toBeUndefined();
    expect(typeText(doc, { $ref: "#/components/schemas/Tree" })).toMatch(/child\?/);
    expect(exampleOf(doc, { $ref: "#/components/schemas/Tree" })).toBeTruthy();
  });
  it("builds the URL and names what is missing", () => {
    const get = operations(doc)[1];
    expect(missing(get, {})).toEqual(["id"]);
    expect(requestUrl(get, { "path:id": "a/b", "query:limit": "" })).toBe("/b/a%2Fb");
    expect(requestUrl(get, { "path:id": "x", "query:limit": "5" })).toBe("/b/x?limit=5");
  });
});
