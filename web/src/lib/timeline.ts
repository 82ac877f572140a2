// A group's timeline, newest first, from the records the API lists:
// instances (role and when it last changed), switches (with downtime),
// commands (manual / emergency, deadline, outcome), replicas, the open
// notice, decisions, and live events not yet in those lists.
import { noticedAt } from "./emergency";
import type { CommandRow, Decision, EmergencyStatus, InstanceRow, LiveEvent, ReplicaRow, SwitchRow } from "../api/types";

export type EntryKind = "role" | "switch" | "command" | "replica" | "notice" | "decision" | "live";

export interface TimelineEntry {
  key: string;
  at: string;
  kind: EntryKind;
  title: string;
  detail?: string;
}

export interface TimelineInput {
  instances?: InstanceRow[];
  switches?: SwitchRow[];
  commands?: CommandRow[];
  replicas?: ReplicaRow[];
  notice?: EmergencyStatus | null;
  decisions?: Decision[];
  live?: LiveEvent[];
}

const time = (s: string | null | undefined) => (s ? Date.parse(s) : NaN);

export function buildTimeline(input: TimelineInput): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const i of input.instances ?? []) {
    out.push({ key: `inst-${i.id}`, at: i.created_at, kind: "role", title: `${i.instance_id} joined`, detail: [i.mode, i.pool_id].filter(Boolean).join(" · ") });
    if (i.role_changed_at && i.role_changed_at !== i.created_at)
      out.push({ key: `role-${i.id}`, at: i.role_changed_at, kind: "role", title: `${i.instance_id} is ${i.role}` });
  }
  for (const s of input.switches ?? []) {
    const at = s.traffic_switched_at ?? s.switch_initiated_at ?? s.created_at;
    if (!at) continue;
    const downtime = s.downtime_seconds === null || s.downtime_seconds === undefined ? "downtime unknown" : `downtime ${s.downtime_seconds.toFixed(1)} s`;
    out.push({
      key: `sw-${s.id}`,
      at,
      kind: "switch",
      title: `Switched ${s.old_pool_id ?? s.old_mode ?? "?"} → ${s.new_pool_id ?? s.new_mode ?? "?"}`,
      detail: `${s.old_instance_id} → ${s.new_instance_id}, ${downtime}`,
    });
  }
  for (const c of input.commands ?? []) {
    const target = [c.target_mode, c.target_pool_id].filter(Boolean).join(" ");
    const deadline = c.deadline ? `, deadline ${new Date(c.deadline).toISOString()}` : "";
    out.push({
      key: `cmd-${c.id}`,
      at: c.completed_at ?? c.created_at,
      kind: "command",
      title: `${c.command_type}${target ? ` to ${target}` : ""}: ${c.status}`,
      detail: `by ${c.actor ?? "system"}, priority ${c.priority}${deadline}${c.result_message ? ` — ${c.result_message}` : ""}`,
    });
  }
  for (const r of input.replicas ?? []) {
    out.push({
      key: `rep-${r.id}`,
      at: r.ready_at ?? r.launched_at ?? r.created_at,
      kind: "replica",
      title: `${r.replica_type} replica ${r.status}`,
      detail: [r.instance_id, r.pool_id].filter(Boolean).join(" · "),
    });
  }
  const n = input.notice;
  const noticed = n?.has_notice ? noticedAt(n) ?? n.notice_time : null;
  if (n?.has_notice && noticed) {
    out.push({
      key: `notice-${n.notice_id}`,
      at: noticed,
      kind: "notice",
      title: `${n.kind ?? "notice"} notice: ${n.status ?? "open"}`,
      detail: `${n.deadline ? `deadline ${new Date(n.deadline).toISOString()}, ` : ""}action ${n.action ?? "—"}${n.target_pool_id ? ` → ${n.target_pool_id}` : ""}`,
    });
    for (const [idx, st] of n.steps.entries()) {
      if (st.at) out.push({ key: `step-${n.notice_id}-${idx}`, at: st.at, kind: "notice", title: `notice step: ${st.step}`, detail: [st.target_mode, st.target_pool_id, st.reason].filter(Boolean).join(" · ") });
    }
  }
  for (const d of input.decisions ?? []) {
    if (!d.decided_at) continue;
    out.push({ key: `dec-${d.id}`, at: d.decided_at, kind: "decision", title: `decision: ${d.action}${d.blocked ? " (blocked)" : ""}`, detail: [d.model_name, d.model_version, d.arm, d.target_pool_id].filter(Boolean).join(" · ") });
  }
  for (const e of input.live ?? []) {
    if (!e.data.at) continue;
    out.push({ key: `live-${e.id ?? e.data.at}-${e.kind}`, at: e.data.at, kind: "live", title: liveTitle(e) });
  }
  return out.filter((e) => !Number.isNaN(time(e.at))).sort((a, b) => time(b.at) - time(a.at));
}

export function liveTitle(e: LiveEvent): string {
  const d = e.data as Record<string, unknown>;
  switch (e.kind) {
    case "instance.role_changed":
      return `${d.instance_id} is ${d.role}`;
    case "switch.executed":
      return `Switched ${d.from_pool ?? "?"} → ${d.to_pool ?? "?"}${typeof d.downtime_seconds === "number" ? `, downtime ${d.downtime_seconds.toFixed(1)} s` : ""}`;
    case "notice.changed":
      return `${d.notice_kind ?? "notice"} notice ${d.status}`;
    case "decision.made":
      return `decision: ${d.action}`;
    case "agent.status_changed":
      return `agent ${d.status}`;
    default:
      return e.kind;
  }
}
