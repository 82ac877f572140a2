import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { fakeApi } from "../test/fakeApi";
import { Emergencies } from "./Emergencies";
import { Fleet } from "./Fleet";
import { GroupSettings } from "./GroupSettings";
import { identify, Login } from "./Login";
import { Models } from "./Models";
import { Notifications } from "./Notifications";
import { Prices } from "./Prices";
import { SwitchPanel } from "./SwitchPanel";
import type { AgentRow, InstanceRow } from "../api/types";

vi.mock("uplot", () => ({
  default: class {
    constructor() {}
    setData() {}
    setSize() {}
    destroy() {}
  },
}));
vi.mock("uplot/dist/uPlot.min.css", () => ({}));

const page = (items: unknown[]) => ({ items, next_cursor: null });
const now = () => new Date().toISOString();

const agent: AgentRow = {
  id: "a-1",
  agent_id: "a-1",
  logical_agent_id: "web-1",
  instance_id: "i-1",
  instance_type: "t3.medium",
  az: "us-east-1a",
  mode: "spot",
  status: "online",
  agent_version: "4.0.0",
  last_heartbeat_at: now(),
  heartbeat_count: 3,
  registered_at: now(),
  role: "PRIMARY",
  group_id: "g-1",
};
const primary: InstanceRow = {
  id: "in-1",
  group_id: "g-1",
  logical_agent_id: "web-1",
  instance_id: "i-1",
  role: "PRIMARY",
  instance_type: "t3.medium",
  az: "us-east-1a",
  mode: "spot",
  pool_id: "t3.medium.us-east-1a",
  role_changed_at: null,
  created_at: now(),
};

describe("Login", () => {
  it("recognises a tenant token, then the admin token, and refuses others", async () => {
    const tenant = fakeApi({ "/api/client/validate": { valid: true, client_id: "c-9", client_name: "acme" } });
    // identify builds its own Api; hand it the fake's fetch through the Api instance
    const fetchOf = (f: ReturnType<typeof fakeApi>) => ((u: RequestInfo | URL, i?: RequestInit) => (f.api as unknown as { fetchImpl: typeof fetch }).fetchImpl(u, i)) as typeof fetch;
    expect(await identify("tok", fetchOf(tenant))).toEqual({ token: "tok", role: "tenant", clientId: "c-9", clientName: "acme" });
    const admin = fakeApi({ "/api/client/validate": () => ({ status: 401, body: { error: { code: "unauthorized", message: "no" } } }), "/api/admin/models": page([]) });
    expect(await identify("adm", fetchOf(admin))).toMatchObject({ role: "admin", clientId: null });
    const none = fakeApi({
      "/api/client/validate": () => ({ status: 401, body: { error: { code: "unauthorized", message: "no" } } }),
      "/api/admin/models": () => ({ status: 401, body: { error: { code: "unauthorized", message: "no" } } }),
    });
    await expect(identify("x", fetchOf(none))).rejects.toThrow(/neither/);
  });
  it("has a labelled token field and a disabled button until typed", () => {
    render(<Login onLogin={() => {}} />);
    const input = screen.getByLabelText(/API token/);
    const button = screen.getByRole("button", { name: "Sign in" });
    expect(button).toBeDisabled();
    fireEvent.change(input, { target: { value: "abc" } });
    expect(button).toBeEnabled();
  });
});

describe("Fleet", () => {
  it("shows each group with its PRIMARY, status, replicas and open notices; search filters", async () => {
    const { api } = fakeApi({
      "/api/groups": page([
        { id: "g-1", logical_agent_id: "web-1", auto_switch: true, manual_replica: false },
        { id: "g-2", logical_agent_id: "db-1", auto_switch: false, manual_replica: true },
      ]),
      "/api/agents": page([agent]),
      "/api/instances": page([primary, { ...primary, id: "in-2", instance_id: "i-0", role: "ZOMBIE" }]),
      "/api/replicas": page([{ id: "r-1", group_id: "g-2", replica_type: "manual", status: "launching", instance_id: null }]),
      "/api/commands": (u: URL) => ({ body: page(u.searchParams.get("status") === "pending" ? [{ id: "c", group_id: "g-1", request_id: "emergency:n1", status: "pending" }] : []) }),
      "/api/switches": page([]),
    });
    render(<Fleet api={api} />);
    const rows = await screen.findAllByTestId("fleet-row");
    expect(rows).toHaveLength(2);
    const web = within(rows.find((r) => r.textContent?.includes("web-1"))!);
    expect(web.getByText("PRIMARY")).toBeInTheDocument();
    expect(web.getByText("ZOMBIE")).toBeInTheDocument();
    expect(web.getByText("online")).toBeInTheDocument();
    expect(web.getByText("1 open")).toBeInTheDocument();
    expect(screen.getByTestId("fleet-summary").textContent).toContain("2 groups · 1 online · 1 open notices");
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "db-" } });
    expect(screen.getAllByTestId("fleet-row")).toHaveLength(1);
    fireEvent.change(screen.getByLabelText("Show"), { target: { value: "notices" } });
    expect(screen.queryAllByTestId("fleet-row")).toHaveLength(0);
    // No downtime analytics on this gateway: computed from the switch list.
    expect(await screen.findByText(/from the switch list/)).toBeInTheDocument();
  });
});

describe("GroupSettings", () => {
  it("keeps auto switch and manual replica exclusive and sends the form", async () => {
    const f = fakeApi({
      "GET /api/agents/a-1/settings": { auto_switch: true, manual_replica: false, auto_terminate: false, terminate_wait_seconds: 300, min_savings_percent: 10, max_switches_per_week: 5, min_pool_duration_hours: 2 },
      "PATCH /api/agents/a-1/settings": { ok: true },
    });
    const saved = vi.fn();
    render(<GroupSettings api={f.api} agentId="a-1" onSaved={saved} />);
    const auto = (await screen.findByLabelText(/Auto switch/)) as HTMLInputElement;
    const manual = screen.getByLabelText(/Manual replica/) as HTMLInputElement;
    expect(auto.checked).toBe(true);
    fireEvent.click(manual);
    expect(manual.checked).toBe(true);
    expect(auto.checked).toBe(false);
    fireEvent.change(screen.getByLabelText(/Minimum savings/), { target: { value: "150" } });
    expect(screen.getByRole("alert").textContent).toContain("between 0 and 100");
    expect(screen.getByRole("button", { name: "Save settings" })).toBeDisabled();
    fireEvent.change(screen.getByLabelText(/Minimum savings/), { target: { value: "15" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(saved).toHaveBeenCalled());
    const patch = f.calls.find((c) => c.method === "PATCH");
    expect(patch?.body).toMatchObject({ auto_switch: false, manual_replica: true, min_savings_percent: 15 });
  });
});

describe("SwitchPanel", () => {
  it("lists pools with price and risk and queues a switch with an idempotency key", async () => {
    const f = fakeApi({
      "/api/client/instances/i-1/pricing": {
        currentMode: "spot",
        currentPool: { id: "t3.medium.us-east-1a", name: "t3.medium.us-east-1a", az: "us-east-1a" },
        onDemand: { name: "On-Demand", price: 0.0416 },
        pools: [
          { id: "t3.medium.us-east-1a", name: "a", az: "us-east-1a", price: 0.0125, savings: 70 },
          { id: "t3.medium.us-east-1b", name: "b", az: "us-east-1b", price: 0.011, savings: 73 },
        ],
      },
      "/api/pricing/risk": { risks: [{ pool_id: "t3.medium.us-east-1b", score: 0.21, recommendation: "recommended", volatility: 0, min_price: 0.01, avg_price: 0.011, max_price: 0.012, interruptions_30d: 2, analyzed_at: now() }] },
      "POST /api/agents/a-1/issue-switch-command": { id: "cmd-1" },
    });
    const queued = vi.fn();
    render(<SwitchPanel api={f.api} agent={agent} primary={primary} onQueued={queued} />);
    const picker = await screen.findByTestId("pool-picker");
    await within(picker).findByText(/0.21 recommended/);
    expect(within(picker).getByText("$0.0110/h")).toBeInTheDocument();
    expect(within(picker).getByText("$0.0416/h")).toBeInTheDocument();
    expect((within(picker).getByLabelText(/us-east-1a/) as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(within(picker).getByLabelText(/us-east-1b/));
    fireEvent.click(screen.getByRole("button", { name: "Switch" }));
    await screen.findByText(/Switch queued \(command cmd-1\)/);
    const post = f.calls.find((c) => c.method === "POST")!;
    expect(post.body).toEqual({ target_mode: "spot", target_pool_id: "t3.medium.us-east-1b" });
    expect(post.headers["X-Request-ID"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(queued).toHaveBeenCalled();
  });
});

describe("Prices", () => {
  it("marks interpolated and backfilled points in the legend", async () => {
    const t = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const { api } = fakeApi({
      "/api/pricing/risk": { risks: [{ pool_id: "t3.medium.us-east-1a", score: 0.4, recommendation: "caution", volatility: 0.1, min_price: 0.01, avg_price: 0.012, max_price: 0.014, interruptions_30d: 1, analyzed_at: now() }] },
      "/api/instances": page([primary]),
      "/api/client/c-1/instances": { instances: [{ id: "i-1", instance_type: "t3.medium", ondemand_price: 0.0416, spot_price: 0.012, role: "PRIMARY" }] },
      "/api/pricing/pools/t3.medium.us-east-1a/history": {
        pool_id: "t3.medium.us-east-1a",
        points: [
          { t: t(20), price: 0.012, source: "agent", samples: 2 },
          { t: t(15), price: 0.0125, source: "interpolated", samples: 0 },
          { t: t(10), price: 0.013, source: "interpolated", samples: 0 },
          { t: t(5), price: 0.013, source: "backfilled", samples: 0 },
        ],
      },
    });
    render(<Prices api={api} />);
    const legend = await screen.findByTestId("price-legend");
    await waitFor(() => expect(legend.querySelector('[data-source="interpolated"]')?.getAttribute("data-count")).toBe("2"));
    expect(legend.textContent).toContain("interpolated: 2 points");
    expect(legend.textContent).toContain("backfilled: 1 points");
    expect(legend.textContent).toContain("on-demand $0.0416/h");
    expect(screen.getByRole("img", { name: /2 interpolated/ })).toBeInTheDocument();
    expect(within(screen.getByTestId("pool-table")).getByText("caution")).toBeInTheDocument();
  });
});

describe("Emergencies", () => {
  it("counts down to an open notice's deadline", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const deadline = new Date(Date.now() + 95_000).toISOString();
    const { api } = fakeApi({
      "/api/agents": page([agent]),
      "/api/agents/a-1/emergency-status": {
        has_notice: true,
        notice_id: "n-1",
        kind: "termination",
        status: "handling",
        instance_id: "i-1",
        notice_time: now(),
        deadline,
        action: "create_replica",
        target_pool_id: null,
        emergency_replica_id: "r-1",
        replica_status: "launching",
        reason: null,
        return_to_spot: false,
        steps: [],
      },
    });
    render(<Emergencies api={api} />);
    const timer = await screen.findByTestId("countdown");
    const secs = () => {
      const [m, s] = (timer.textContent ?? "").split(":").map(Number);
      return m * 60 + s;
    };
    const first = secs();
    expect(first).toBeGreaterThan(80);
    expect(first).toBeLessThanOrEqual(95);
    await act(async () => {
      vi.advanceTimersByTime(3000);
    });
    expect(first - secs()).toBeGreaterThanOrEqual(3);
    expect(screen.getByText("✓ replica asked")).toBeInTheDocument();
    vi.useRealTimers();
  });
});

describe("Notifications", () => {
  it("says so when the gateway has no notifications API", async () => {
    const { api } = fakeApi({});
    render(<Notifications api={api} onRead={() => {}} />);
    expect(await screen.findByTestId("notifications-unavailable")).toBeInTheDocument();
    expect(await screen.findByText(/no webhook API/)).toBeInTheDocument();
  });
  it("lists, marks read and reports back", async () => {
    const f = fakeApi({
      "/api/notifications": page([{ id: "n1", kind: "failover_done", severity: "info", title: "Failover done", body: "web-1 is back", created_at: now(), read_at: null }]),
      "POST /api/notifications/n1/read": { id: "n1" },
      "/api/webhooks": page([]),
    });
    const onRead = vi.fn();
    render(<Notifications api={f.api} onRead={onRead} />);
    fireEvent.click(await screen.findByRole("button", { name: "Mark read" }));
    await waitFor(() => expect(onRead).toHaveBeenCalled());
    expect(f.calls.some((c) => c.method === "POST" && c.url.pathname === "/api/notifications/n1/read")).toBe(true);
  });
});

describe("Models", () => {
  it("shows the active arms with their shares and activates with an A/B share", async () => {
    const model = (id: string, active: boolean, arm: "a" | "b" | null, bp: number) => ({ id, name: "risk_aware", version: id, kind: "builtin", active, arm, ab_share_bp: bp, created_at: now() });
    const f = fakeApi(
      {
        "/api/admin/models": page([model("1", true, "a", 0), model("2", true, "b", 2500), model("3", false, null, 0)]),
        "/api/decisions/summary": page([{ model_name: "risk_aware", model_version: "1", arm: "a", decisions: 9, switches_proposed: 2, blocked: 1, acted: 1, executed: 1, failed: 0, fallbacks: 0, realised_savings: 0.1234, realised_hours: 3, interruptions_after_switch: 0, groups: 4 }]),
        "/api/decisions/rejected": page([{ id: "x", decision_id: null, group_id: null, model_name: "ext", model_version: "1", code: "unknown_pool", reason: "pool not offered", raw_output: "{}", created_at: now() }]),
        "POST /api/admin/models/3/activate": { ok: true },
      },
      { role: "admin", clientId: "c-1" },
    );
    render(<Models api={f.api} />);
    const registry = await screen.findByTestId("model-registry");
    const rows = within(registry).getAllByRole("row").slice(1);
    expect(rows[0].textContent).toContain("active · arm A");
    expect(rows[0].textContent).toContain("75 %");
    expect(rows[1].textContent).toContain("25 %");
    expect(await screen.findByText("$0.1234")).toBeInTheDocument();
    expect(screen.getByText("unknown_pool")).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText(/A\/B share for risk_aware\/3/), { target: { value: "10" } });
    fireEvent.click(within(rows[2]).getByRole("button", { name: "Activate" }));
    await waitFor(() => expect(f.calls.some((c) => c.method === "POST")).toBe(true));
    const post = f.calls.find((c) => c.method === "POST")!;
    expect(post.url.pathname).toBe("/api/admin/models/3/activate");
    expect(post.body).toEqual({ ab_share_bp: 1000 });
    // The summary is the tenant's: the admin's calls name it.
    expect(f.calls.find((c) => c.url.pathname === "/api/decisions/summary")?.url.searchParams.get("client_id")).toBe("c-1");
  });
});
