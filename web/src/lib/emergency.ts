// A notice's progress for the Emergencies view, from `emergency-status`
// (and the commands its steps queued). In that answer `notice_time` is the
// termination time the cloud announced; when the notice arrived is the time
// of its first step (it is decided on receipt).
import type { CommandRow, EmergencyStatus } from "../api/types";

export const OPEN_STATUSES = ["detected", "handling", "promoting"];

export function isOpen(s: EmergencyStatus): boolean {
  return s.has_notice && OPEN_STATUSES.includes(s.status ?? "");
}

export interface Stage {
  label: string;
  done: boolean;
}

/** Stages of the notice's handling: the replica path or the switch path, then fallback. */
export function stages(s: EmergencyStatus, commands: Map<string, CommandRow> = new Map()): Stage[] {
  const steps = s.steps ?? [];
  const onDemand = steps.some((st) => st.target_mode === "ondemand") || (s.action === "switch" && !s.target_pool_id);
  const fallback = s.status === "failed" || steps.some((st) => st.step.startsWith("fallback")) || onDemand;
  const replicaPath = Boolean(s.emergency_replica_id) || steps.some((st) => st.step.includes("replica")) || s.action?.includes("replica");
  if (replicaPath) {
    const ready = ["ready", "promoted"].includes(s.replica_status ?? "");
    const promoted = s.replica_status === "promoted" || s.status === "resolved";
    return [
      { label: "replica asked", done: true },
      { label: "replica ready", done: ready || promoted },
      { label: "promoted", done: promoted },
      { label: "fallback", done: fallback },
    ];
  }
  const command = steps.map((st) => (st.command_id ? commands.get(st.command_id) : undefined)).find(Boolean);
  return [
    { label: onDemand ? "switch to on-demand queued" : "switch queued", done: steps.length > 0 || s.action === "switch" },
    { label: "picked up by the agent", done: Boolean(command?.delivered_at || command?.completed_at) },
    { label: "switched", done: s.status === "resolved" || command?.status === "succeeded" },
    { label: "fallback", done: fallback },
  ];
}

/** When the notice arrived: its first step. */
export function noticedAt(s: EmergencyStatus): string | null {
  const first = (s.steps ?? [])
    .map((st) => st.at)
    .filter((a): a is string => Boolean(a) && Number.isFinite(Date.parse(a ?? "")))
    .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  return first ?? null;
}

/**
 * Seconds from the notice to the agent acting on it: the first command of
 * its steps handed to the agent (delivered, else completed), or null.
 */
export function actionLatency(s: EmergencyStatus, commands: Map<string, CommandRow>): number | null {
  const from = Date.parse(noticedAt(s) ?? "");
  const acted = (s.steps ?? [])
    .map((st) => (st.command_id ? commands.get(st.command_id) : undefined))
    .map((c) => Date.parse(c?.delivered_at ?? c?.completed_at ?? ""))
    .filter(Number.isFinite)
    .sort((a, b) => a - b)[0];
  if (!Number.isFinite(from) || acted === undefined) return null;
  return Math.max(0, (acted - from) / 1000);
}
