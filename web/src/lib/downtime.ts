// Switch downtime over a window, computed from the switch list when the
// gateway has no `GET /api/analytics/downtime` (same fields).
import type { DowntimeStats, SwitchRow } from "../api/types";

export const TARGET_SECONDS = 10;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

export function downtimeStats(switches: SwitchRow[], now: Date, windowHours = 24): DowntimeStats {
  const since = now.getTime() - windowHours * 3600_000;
  const values = switches
    .filter((s) => {
      const at = Date.parse(s.traffic_switched_at ?? s.switch_initiated_at ?? s.created_at ?? "");
      return Number.isFinite(at) && at >= since && typeof s.downtime_seconds === "number";
    })
    .map((s) => s.downtime_seconds as number)
    .sort((a, b) => a - b);
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    count: values.length,
    avg_seconds: values.length ? sum / values.length : null,
    p50_seconds: percentile(values, 50),
    p95_seconds: percentile(values, 95),
    max_seconds: values.length ? values[values.length - 1] : null,
    target_seconds: TARGET_SECONDS,
  };
}
