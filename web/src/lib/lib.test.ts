import { describe, expect, it } from "vitest";
import { downtimeStats, percentile } from "./downtime";
import { actionLatency, isOpen, noticedAt, stages } from "./emergency";
import { countdown } from "./format";
import { splitBySource } from "./prices";
import { parseRoute } from "./router";
import { cumulative, totals } from "./savings";
import { toggle, validate, type SettingsForm } from "./settings";
import { buildTimeline } from "./timeline";
import type { CommandRow, EmergencyStatus, SwitchRow } from "../api/types";

const form: SettingsForm = {
  auto_switch: false,
  manual_replica: false,
  auto_terminate: false,
  terminate_wait_seconds: 300,
  min_savings_percent: 10,
  max_switches_per_week: 5,
  min_pool_duration_hours: 2,
};

describe("settings", () => {
  it("turning auto switch on turns manual replica off, and the other way", () => {
    const a = toggle({ ...form, manual_replica: true }, "auto_switch", true);
    expect([a.auto_switch, a.manual_replica]).toEqual([true, false]);
    const b = toggle(a, "manual_replica", true);
    expect([b.auto_switch, b.manual_replica]).toEqual([false, true]);
    const c = toggle(b, "manual_replica", false);
    expect([c.auto_switch, c.manual_replica]).toEqual([false, false]);
  });
  it("refuses both on and bad numbers", () => {
    expect(validate(form)).toEqual([]);
    expect(validate({ ...form, auto_switch: true, manual_replica: true })).toHaveLength(1);
    expect(validate({ ...form, min_savings_percent: 120 })).toHaveLength(1);
    expect(validate({ ...form, terminate_wait_seconds: NaN })).toHaveLength(1);
    expect(validate({ ...form, max_switches_per_week: 1.5 })).toHaveLength(1);
  });
});

describe("prices", () => {
  it("splits points by source on one sorted x-axis", () => {
    const s = splitBySource([
      { t: "2026-11-30T10:10:00Z", price: 3, source: "interpolated", samples: 0 },
      { t: "2026-11-30T10:05:00Z", price: 2, source: "agent", samples: 4 },
      { t: "2026-11-30T10:15:00Z", price: 4, source: "backfilled", samples: 0 },
      { t: "not a time", price: 9, source: "agent", samples: 1 },
    ]);
    const t0 = Date.UTC(2026, 10, 30, 10, 5) / 1000;
    expect(s.x).toEqual([t0, t0 + 300, t0 + 600]);
    expect(s.agent).toEqual([2, null, null]);
    expect(s.interpolated).toEqual([null, 3, null]);
    expect(s.backfilled).toEqual([null, null, 4]);
    expect(s.all).toEqual([2, 3, 4]);
    expect(s.counts).toEqual({ agent: 1, interpolated: 1, backfilled: 1 });
  });
});

describe("downtime", () => {
  const sw = (at: string, d: number | null): SwitchRow => ({
    id: at,
    group_id: "g",
    agent_id: "a",
    old_instance_id: "i-1",
    new_instance_id: "i-2",
    old_pool_id: null,
    new_pool_id: null,
    old_mode: null,
    new_mode: null,
    switch_initiated_at: at,
    traffic_switched_at: at,
    downtime_seconds: d,
  });
  it("nearest-rank percentile", () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });
  it("counts only switches of the window with a known downtime", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    const s = downtimeStats([sw("2026-11-30T11:00:00Z", 4), sw("2026-11-30T10:00:00Z", 12), sw("2026-11-28T10:00:00Z", 99), sw("2026-11-30T11:30:00Z", null)], now);
    expect(s).toMatchObject({ count: 2, avg_seconds: 8, max_seconds: 12, p95_seconds: 12, target_seconds: 10 });
  });
});

describe("emergency progress", () => {
  const base: EmergencyStatus = {
    has_notice: true,
    notice_id: "n",
    kind: "termination",
    status: "handling",
    instance_id: "i-1",
    notice_time: "2026-11-30T12:00:00Z",
    deadline: "2026-11-30T12:02:00Z",
    action: "create_replica",
    target_pool_id: "t3.medium.us-east-1b",
    emergency_replica_id: "r",
    replica_status: "launching",
    reason: null,
    return_to_spot: false,
    steps: [{ at: "2026-11-30T12:00:01.500Z", step: "create_replica", target_mode: "spot", target_pool_id: "p", command_id: "c", reason: "first choice" }],
  };
  const label = (st: { label: string; done: boolean }[]) => st.filter((x) => x.done).map((x) => x.label);
  it("reads the replica path", () => {
    expect(isOpen(base)).toBe(true);
    expect(isOpen({ ...base, status: "resolved" })).toBe(false);
    expect(label(stages(base))).toEqual(["replica asked"]);
    expect(label(stages({ ...base, replica_status: "ready" }))).toEqual(["replica asked", "replica ready"]);
    expect(label(stages({ ...base, status: "resolved", replica_status: "promoted" }))).toEqual(["replica asked", "replica ready", "promoted"]);
    expect(label(stages({ ...base, status: "failed" }))).toContain("fallback");
  });
  it("reads the switch path and the latency to the agent", () => {
    const sw: EmergencyStatus = {
      ...base,
      action: "switch",
      emergency_replica_id: null,
      replica_status: null,
      target_pool_id: null,
      steps: [{ at: "2026-11-30T12:00:00Z", step: "switch", target_mode: "ondemand", target_pool_id: null, command_id: "c1", reason: "no safe spot pool known; on-demand" }],
    };
    const cmd = { id: "c1", status: "delivered", delivered_at: "2026-11-30T12:00:04.5Z", completed_at: null } as CommandRow;
    const commands = new Map([["c1", cmd]]);
    expect(label(stages(sw))).toEqual(["switch to on-demand queued", "fallback"]);
    expect(label(stages(sw, commands))).toEqual(["switch to on-demand queued", "picked up by the agent", "fallback"]);
    expect(noticedAt(sw)).toBe("2026-11-30T12:00:00Z");
    expect(actionLatency(sw, commands)).toBeCloseTo(4.5);
    expect(actionLatency(sw, new Map())).toBeNull();
  });
  it("counts down and then shows how overdue", () => {
    const d = new Date("2026-11-30T12:02:00Z");
    expect(countdown(d, new Date("2026-11-30T12:00:05Z"))).toBe("1:55");
    expect(countdown(d, new Date("2026-11-30T12:02:07Z"))).toBe("overdue 0:07");
  });
});

describe("timeline", () => {
  it("merges records newest first", () => {
    const t = buildTimeline({
      switches: [
        {
          id: "s1",
          group_id: "g",
          agent_id: "a",
          old_instance_id: "i-1",
          new_instance_id: "i-2",
          old_pool_id: "p1",
          new_pool_id: "p2",
          old_mode: "spot",
          new_mode: "spot",
          switch_initiated_at: "2026-11-30T10:00:00Z",
          traffic_switched_at: "2026-11-30T10:00:05Z",
          downtime_seconds: 2.5,
        },
      ],
      live: [{ id: "7", kind: "instance.role_changed", data: { at: "2026-11-30T11:00:00Z", instance_id: "i-2", role: "ZOMBIE" } }],
    });
    expect(t.map((e) => e.kind)).toEqual(["live", "switch"]);
    expect(t[0].title).toBe("i-2 is ZOMBIE");
    expect(t[1].title).toBe("Switched p1 → p2");
    expect(t[1].detail).toContain("downtime 2.5 s");
  });
});

describe("savings and routes", () => {
  const row = (period: string, savings: number, od: number) => ({ period, spot_hours: 1, on_demand_hours: 0, actual_cost: od - savings, on_demand_equivalent_cost: od, savings, savings_percent: 0, switch_count: 1 });
  it("totals and cumulative savings", () => {
    const rows = [row("2026-11-02", 2, 4), row("2026-11-01", 1, 4)];
    expect(totals(rows)).toMatchObject({ savings: 3, onDemand: 8, percent: 37.5, switches: 2 });
    expect(cumulative(rows)).toEqual([1, 3]);
  });
  it("parses the app's paths", () => {
    expect(parseRoute("/")).toEqual({ view: "fleet" });
    expect(parseRoute("/groups/abc")).toEqual({ view: "group", groupId: "abc" });
    expect(parseRoute("/prices")).toEqual({ view: "prices" });
    expect(parseRoute("/nope")).toEqual({ view: "fleet" });
  });
});
