// Price history series: one y-array per point source, so agent points,
// interpolated and backfilled points are drawn differently on one x-axis.
import type { PricePoint } from "../api/types";

export interface PriceSeries {
  x: number[];
  agent: (number | null)[];
  interpolated: (number | null)[];
  backfilled: (number | null)[];
  /** The whole series (any source), for the connecting line. */
  all: (number | null)[];
  counts: { agent: number; interpolated: number; backfilled: number };
}

export function splitBySource(points: PricePoint[]): PriceSeries {
  const sorted = [...points]
    .map((p) => ({ ...p, ts: Date.parse(p.t) / 1000 }))
    .filter((p) => Number.isFinite(p.ts))
    .sort((a, b) => a.ts - b.ts);
  const out: PriceSeries = {
    x: [],
    agent: [],
    interpolated: [],
    backfilled: [],
    all: [],
    counts: { agent: 0, interpolated: 0, backfilled: 0 },
  };
  for (const p of sorted) {
    out.x.push(p.ts);
    out.all.push(p.price);
    const src = p.source === "interpolated" || p.source === "backfilled" ? p.source : "agent";
    out.agent.push(src === "agent" ? p.price : null);
    out.interpolated.push(src === "interpolated" ? p.price : null);
    out.backfilled.push(src === "backfilled" ? p.price : null);
    out.counts[src] += 1;
  }
  return out;
}

/** Pool id `<instance type>.<az>`: the az is the last dot-separated part. */
export function poolAz(poolId: string): string {
  const i = poolId.lastIndexOf(".");
  return i < 0 ? poolId : poolId.slice(i + 1);
}

export function poolType(poolId: string): string {
  const i = poolId.lastIndexOf(".");
  return i < 0 ? poolId : poolId.slice(0, i);
}
