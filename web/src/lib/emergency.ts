// A notice's progress for the Emergencies view, from `emergency-status`.
import type { EmergencyStatus } from "../api/types";

export const OPEN_STATUSES = ["detected", "handling", "promoting"];

export function isOpen(s: EmergencyStatus): boolean {
  return s.has_notice && OPEN_STATUSES.includes(s.status ?? "");
}

export interface Progress {
  replicaAsked: boolean;
  replicaReady: boolean;
  promoted: boolean;
  fallback: boolean;
  switched: boolean;
}

export function progress(s: EmergencyStatus): Progress {
  const steps = s.steps ?? [];
  const replicaAsked = Boolean(s.emergency_replica_id) || steps.some((st) => st.step.includes("replica")) || s.action === "create_replica";
  const replicaReady = ["ready", "promoted"].includes(s.replica_status ?? "");
  const promoted = s.replica_status === "promoted" || (s.status === "resolved" && replicaAsked);
  const fallback = steps.some((st) => /fallback|ondemand/.test(`${st.step} ${st.reason}`)) || s.status === "failed";
  const switched = s.status === "resolved" && !promoted;
  return { replicaAsked, replicaReady, promoted, fallback, switched };
}

/** Seconds from the notice to its first action (the first step), or null. */
export function actionLatency(s: EmergencyStatus): number | null {
  const notice = Date.parse(s.notice_time ?? "");
  const first = (s.steps ?? []).map((st) => Date.parse(st.at ?? "")).filter(Number.isFinite).sort((a, b) => a - b)[0];
  if (!Number.isFinite(notice) || first === undefined) return null;
  return Math.max(0, (first - notice) / 1000);
}
