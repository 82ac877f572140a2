import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeApi } from "../test/fakeApi";
import type { OpenApiDoc } from "../lib/openapi";
import { ApiExplorer } from "./ApiExplorer";

const errors = {
  "400": { description: "Invalid input", content: { "application/json": { schema: { $ref: "#/components/schemas/ApiErrorBody" } } } },
  "401": { description: "Missing or unknown token", content: { "application/json": { schema: { $ref: "#/components/schemas/ApiErrorBody" } } } },
  "404": { description: "Unknown agent", content: { "application/json": { schema: { $ref: "#/components/schemas/ApiErrorBody" } } } },
};

const doc: OpenApiDoc = {
  openapi: "3.1.0",
  info: { title: "Spot", version: "1.0" },
  paths: {
    "/api/unknown-instances": {
      get: {
        tags: ["operator"],
        summary: "Unknown instances, paged",
        parameters: [
          { name: "group_id", in: "query", required: false, description: "Only this group", schema: { type: ["string", "null"] } },
          { name: "client_id", in: "query", required: false, description: "Admin token only", schema: { type: ["string", "null"] } },
        ],
        responses: { "200": { description: "", content: { "application/json": { schema: { $ref: "#/components/schemas/UnknownInstancePage" } } } }, ...errors },
      },
    },
    "/api/agents/{agent_id}/settings": {
      patch: {
        tags: ["agent"],
        summary: "Update group settings",
        parameters: [{ name: "agent_id", in: "path", required: true, schema: { type: "string" } }],
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/SettingsPatch" } } } },
        responses: { "200": { description: "The settings" }, ...errors },
      },
    },
    "/health": { get: { tags: ["agent"], summary: "Liveness", responses: { "200": { description: "ok" } } } },
  },
  components: {
    schemas: {
      ApiErrorBody: { type: "object", required: ["error"], properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } } } },
      UnknownInstancePage: {
        type: "object",
        required: ["items"],
        properties: { items: { type: "array", items: { $ref: "#/components/schemas/UnknownInstanceView" } }, next_cursor: { type: ["string", "null"] } },
      },
      UnknownInstanceView: { type: "object", properties: { instance_id: { type: "string" }, group_id: { type: "string" } } },
      SettingsPatch: { type: "object", properties: { auto_switch: { type: ["boolean", "null"] }, replica_count: { type: ["integer", "null"], minimum: 0 } } },
    },
  },
};

describe("ApiExplorer", () => {
  it("lists every path of the served document grouped by tag, with parameters, body and every status", async () => {
    const { api } = fakeApi({ "/openapi.json": doc });
    render(<ApiExplorer api={api} />);
    await screen.findByTestId("explorer-summary");
    expect(screen.getByTestId("explorer-summary").textContent).toMatch(/3 paths, 3 operations/);
    const tags = screen.getAllByTestId("explorer-tag").map((t) => t.getAttribute("data-tag"));
    expect(tags).toEqual(["agent", "operator"]);
    const agentOps = within(screen.getAllByTestId("explorer-tag")[0]).getAllByTestId("explorer-op").map((o) => o.getAttribute("data-op"));
    expect(agentOps).toEqual(["PATCH /api/agents/{agent_id}/settings", "GET /health"]);

    fireEvent.click(screen.getByRole("button", { name: /PATCH \/api\/agents\/\{agent_id\}\/settings/ }));
    const params = screen.getByRole("table", { name: /Parameters of PATCH/ });
    expect(within(params).getByText("agent_id")).toBeInTheDocument();
    expect(screen.getByText(/auto_switch\?: boolean \| null/)).toBeInTheDocument();
    const statuses = screen.getAllByTestId("explorer-response").map((r) => r.getAttribute("data-status"));
    expect(statuses).toEqual(["200", "400", "401", "404"]);
    // The body starts from an example of the schema.
    expect(JSON.parse((screen.getByLabelText("Request body") as HTMLTextAreaElement).value)).toEqual({ auto_switch: false, replica_count: 0 });
    // A path parameter is required before sending.
    expect(screen.getByRole("button", { name: "Send PATCH" })).toBeDisabled();
  });

  it("sends the request with the operator's token and shows the answer, error statuses included", async () => {
    const f = fakeApi({
      "/openapi.json": doc,
      "GET /api/unknown-instances": (url: URL) => ({ body: { items: [{ instance_id: "i-stray", group_id: url.searchParams.get("group_id") }], next_cursor: null } }),
      "PATCH /api/agents/a-1/settings": () => ({ status: 404, body: { error: { code: "agent_not_found", message: "agent not found" } } }),
    });
    render(<ApiExplorer api={f.api} />);
    fireEvent.click(await screen.findByRole("button", { name: /GET \/api\/unknown-instances/ }));
    fireEvent.change(screen.getByLabelText("group_id (query)"), { target: { value: "g 1" } });
    expect(screen.getByTestId("explorer-url").textContent).toBe("/api/unknown-instances?group_id=g+1");
    fireEvent.click(screen.getByRole("button", { name: "Send GET" }));
    const answer = await screen.findByTestId("explorer-answer");
    expect(answer.getAttribute("data-status")).toBe("200");
    expect(answer.textContent).toMatch(/i-stray/);
    const sent = f.calls.find((c) => c.url.pathname === "/api/unknown-instances");
    expect(sent?.headers.Authorization).toBe("Bearer t0k3n");
    expect(sent?.url.searchParams.get("group_id")).toBe("g 1");

    fireEvent.click(screen.getByRole("button", { name: /PATCH \/api\/agents/ }));
    fireEvent.change(screen.getByLabelText("agent_id (path)"), { target: { value: "a-1" } });
    fireEvent.change(screen.getByLabelText("Request body"), { target: { value: '{"auto_switch": true}' } });
    fireEvent.click(screen.getByLabelText(/X-Request-ID/));
    fireEvent.click(screen.getByRole("button", { name: "Send PATCH" }));
    await waitFor(() => expect(screen.getAllByTestId("explorer-answer").map((a) => a.getAttribute("data-status"))).toContain("404"));
    const patch = f.calls.find((c) => c.method === "PATCH");
    expect(patch?.body).toEqual({ auto_switch: true });
    expect(patch?.headers["X-Request-ID"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(screen.getByText(/agent_not_found/)).toBeInTheDocument();
  });

  it("filters operations and starts an admin's tenant-scoped call from the picked tenant", async () => {
    const { api } = fakeApi({ "/openapi.json": doc }, { role: "admin", clientId: "c-7" });
    render(<ApiExplorer api={api} />);
    fireEvent.change(await screen.findByLabelText("Filter operations"), { target: { value: "unknown" } });
    expect(screen.getAllByTestId("explorer-op")).toHaveLength(1);
    fireEvent.click(screen.getByRole("button", { name: /GET \/api\/unknown-instances/ }));
    expect((screen.getByLabelText("client_id (query)") as HTMLInputElement).value).toBe("c-7");
    fireEvent.change(screen.getByLabelText("Filter operations"), { target: { value: "nothing-like-this" } });
    expect(screen.getByText("No operation matches.")).toBeInTheDocument();
  });
});
