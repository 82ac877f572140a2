// Savings rows -> totals and a cumulative series.
import type { DashInstance, SavingsRow } from "../api/types";

export interface SavingsTotals {
  actual: number;
  onDemand: number;
  savings: number;
  percent: number | null;
  spotHours: number;
  onDemandHours: number;
  switches: number;
}

export function totals(rows: SavingsRow[]): SavingsTotals {
  const t = rows.reduce(
    (a, r) => ({
      actual: a.actual + r.actual_cost,
      onDemand: a.onDemand + r.on_demand_equivalent_cost,
      savings: a.savings + r.savings,
      spotHours: a.spotHours + r.spot_hours,
      onDemandHours: a.onDemandHours + r.on_demand_hours,
      switches: a.switches + r.switch_count,
    }),
    { actual: 0, onDemand: 0, savings: 0, spotHours: 0, onDemandHours: 0, switches: 0 },
  );
  return { ...t, percent: t.onDemand > 0 ? (100 * t.savings) / t.onDemand : null };
}

export function cumulative(rows: SavingsRow[]): number[] {
  let sum = 0;
  return [...rows].sort((a, b) => a.period.localeCompare(b.period)).map((r) => (sum += r.savings));
}

/** $/h of the PRIMARY instances now, and what on-demand would cost ($/h). */
export function currentRate(instances: DashInstance[]): { actual: number; onDemand: number; replicas: number } {
  let actual = 0;
  let onDemand = 0;
  let replicas = 0;
  for (const i of instances) {
    const price = i.current_mode === "spot" ? i.spot_price : i.ondemand_price;
    if (i.role === "PRIMARY") {
      actual += price;
      onDemand += i.ondemand_price;
    } else if (i.role === "REPLICA") {
      replicas += price;
    }
  }
  return { actual, onDemand, replicas };
}
