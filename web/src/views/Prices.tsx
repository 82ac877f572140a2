// Prices: a pool's consolidated history with agent, interpolated and
// backfilled points drawn differently (legend with counts), the on-demand
// price as a line and the pool's assessed min-max as a band; the pool table
// with price, risk score, recommendation and interruptions.
import { useMemo, useState } from "react";
import type uPlot from "uplot";
import type { Api } from "../api/client";
import { listAll } from "../api/fleet";
import type { DashInstance, InstanceRow, PoolRisk, PricePoint } from "../api/types";
import { Chart, localTimeAxis } from "../components/Chart";
import { Time } from "../components/Time";
import { ErrorNote, useFetch } from "../components/useFetch";
import { useLiveRefresh } from "../live/LiveContext";
import { hourly, utcTime } from "../lib/format";
import { poolType, splitBySource } from "../lib/prices";

export const SOURCE_STYLE = {
  agent: { label: "agent report", color: "#1f6feb", marker: "●" },
  interpolated: { label: "interpolated", color: "#d97706", marker: "○" },
  backfilled: { label: "backfilled", color: "#7c3aed", marker: "◆" },
} as const;

async function loadOverview(api: Api) {
  const [risk, instances, dash] = await Promise.all([
    api.get<{ risks: PoolRisk[] }>("/api/pricing/risk"),
    listAll<InstanceRow>(api, "instances", { role: "PRIMARY" }, 2),
    api.session.role === "tenant" && api.session.clientId
      ? api.get<{ instances: DashInstance[] }>(`/api/client/${api.session.clientId}/instances`).catch(() => ({ instances: [] as DashInstance[] }))
      : Promise.resolve({ instances: [] as DashInstance[] }),
  ]);
  const onDemand = new Map<string, number>();
  for (const i of dash.instances) if (i.ondemand_price > 0) onDemand.set(i.instance_type, i.ondemand_price);
  return { risks: risk.risks, instances, onDemand };
}

export function Prices({ api }: { api: Api }) {
  const overview = useFetch(() => loadOverview(api), [api]);
  useLiveRefresh(["pricing.consolidated"], overview.reload, 60000);
  const fleetPools = useMemo(() => new Set((overview.data?.instances ?? []).map((i) => i.pool_id).filter(Boolean) as string[]), [overview.data]);
  const pools = useMemo(() => {
    const ids = new Set<string>([...fleetPools, ...(overview.data?.risks ?? []).map((r) => r.pool_id)]);
    return [...ids].sort();
  }, [overview.data, fleetPools]);
  const [chosen, setChosen] = useState<string>("");
  const pool = chosen || [...fleetPools].sort()[0] || pools[0] || "";
  const [hours, setHours] = useState(24);

  return (
    <section aria-labelledby="prices-h">
      <div className="view-head">
        <h2 id="prices-h">Prices</h2>
      </div>
      <ErrorNote error={overview.error} />
      <div className="toolbar">
        <label htmlFor="pool-select">Pool</label>
        <select id="pool-select" value={pool} onChange={(e) => setChosen(e.target.value)}>
          {pools.map((p) => (
            <option key={p} value={p}>
              {p}
              {fleetPools.has(p) ? " (in use)" : ""}
            </option>
          ))}
        </select>
        <label htmlFor="range-select">Range</label>
        <select id="range-select" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
          <option value={6}>6 h</option>
          <option value={24}>24 h</option>
          <option value={72}>3 days</option>
          <option value={168}>7 days</option>
        </select>
      </div>
      {pool && (
        <PoolHistory
          api={api}
          pool={pool}
          hours={hours}
          onDemand={overview.data?.onDemand.get(poolType(pool)) ?? null}
          risk={overview.data?.risks.find((r) => r.pool_id === pool) ?? null}
        />
      )}
      <PoolTable risks={overview.data?.risks ?? []} fleetPools={fleetPools} onPick={setChosen} />
    </section>
  );
}

function PoolHistory({ api, pool, hours, onDemand, risk }: { api: Api; pool: string; hours: number; onDemand: number | null; risk: PoolRisk | null }) {
  const f = useFetch(async () => {
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3600_000);
    return api.get<{ pool_id: string; points: PricePoint[] }>(`/api/pricing/pools/${encodeURIComponent(pool)}/history`, {
      from: from.toISOString(),
      to: to.toISOString(),
      limit: 5000,
    });
  }, [api, pool, hours]);
  useLiveRefresh(["pricing.consolidated"], f.reload, 60000);
  const series = useMemo(() => splitBySource(f.data?.points ?? []), [f.data]);
  const data = useMemo<uPlot.AlignedData>(() => {
    const n = series.x.length;
    const flat = (v: number | null) => Array.from({ length: n }, () => v);
    return [
      series.x,
      series.all,
      series.agent,
      series.interpolated,
      series.backfilled,
      flat(onDemand),
      flat(risk ? risk.min_price : null),
      flat(risk ? risk.max_price : null),
    ];
  }, [series, onDemand, risk]);
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(
    () => ({
      scales: { x: { time: true } },
      axes: [localTimeAxis(), { label: "$/h", size: 70, values: (_u, s) => s.map((v) => v.toFixed(4)) }],
      series: [
        { label: "time", value: (_u, v) => (v == null ? "—" : `${new Date(v * 1000).toLocaleString()} (${utcTime(new Date(v * 1000))})`) },
        { label: "price", stroke: "#94a3b8", width: 1, points: { show: false }, spanGaps: true },
        { label: SOURCE_STYLE.agent.label, stroke: SOURCE_STYLE.agent.color, width: 0, points: { show: true, size: 7, fill: SOURCE_STYLE.agent.color, stroke: SOURCE_STYLE.agent.color } },
        { label: SOURCE_STYLE.interpolated.label, stroke: SOURCE_STYLE.interpolated.color, width: 0, points: { show: true, size: 9, width: 2, fill: "#ffffff", stroke: SOURCE_STYLE.interpolated.color } },
        { label: SOURCE_STYLE.backfilled.label, stroke: SOURCE_STYLE.backfilled.color, width: 0, points: { show: true, size: 8, width: 2, fill: "#ede9fe", stroke: SOURCE_STYLE.backfilled.color } },
        { label: "on-demand", stroke: "#dc2626", width: 2, dash: [8, 4], points: { show: false } },
        { label: "risk band low", stroke: "rgba(234,179,8,0.6)", width: 1, points: { show: false } },
        { label: "risk band high", stroke: "rgba(234,179,8,0.6)", width: 1, points: { show: false } },
      ],
      bands: [{ series: [7, 6], fill: "rgba(234,179,8,0.12)" }],
      legend: { live: true },
    }),
    [],
  );
  return (
    <article className="card" aria-labelledby="hist-h">
      <h3 id="hist-h">History of {pool}</h3>
      <ErrorNote error={f.error} />
      <ul className="legend" aria-label="Point sources" data-testid="price-legend">
        {(["agent", "interpolated", "backfilled"] as const).map((k) => (
          <li key={k} data-source={k} data-count={series.counts[k]}>
            <span className="marker" style={{ color: SOURCE_STYLE[k].color }} aria-hidden="true">
              {SOURCE_STYLE[k].marker}
            </span>{" "}
            {SOURCE_STYLE[k].label}: {series.counts[k]} points
          </li>
        ))}
        <li>
          <span className="marker" style={{ color: "#dc2626" }} aria-hidden="true">
            ╌
          </span>{" "}
          on-demand {onDemand ? hourly(onDemand) : "(unknown)"}
        </li>
        <li>
          <span className="marker band" aria-hidden="true" /> risk band (assessed min–max)
        </li>
      </ul>
      {series.x.length === 0 && !f.loading ? (
        <p className="muted">No consolidated point in this range yet (consolidation runs every 12 h, or on demand).</p>
      ) : (
        <Chart options={options} data={data} label={`Price history of ${pool}: ${series.counts.agent} agent, ${series.counts.interpolated} interpolated, ${series.counts.backfilled} backfilled points`} />
      )}
    </article>
  );
}

function PoolTable({ risks, fleetPools, onPick }: { risks: PoolRisk[]; fleetPools: Set<string>; onPick: (p: string) => void }) {
  const sorted = [...risks].sort((a, b) => Number(fleetPools.has(b.pool_id)) - Number(fleetPools.has(a.pool_id)) || a.pool_id.localeCompare(b.pool_id));
  return (
    <article className="card" aria-labelledby="pools-h">
      <h3 id="pools-h">Pools</h3>
      <table className="grid" data-testid="pool-table">
        <thead>
          <tr>
            <th scope="col">Pool</th>
            <th scope="col">Avg price</th>
            <th scope="col">Min – max</th>
            <th scope="col">Risk score</th>
            <th scope="col">Recommendation</th>
            <th scope="col">Interruptions 30 d</th>
            <th scope="col">Assessed</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.pool_id}>
              <td>
                <button type="button" className="link" onClick={() => onPick(r.pool_id)}>
                  {r.pool_id}
                </button>
                {fleetPools.has(r.pool_id) && <span className="muted"> in use</span>}
              </td>
              <td>{hourly(r.avg_price)}</td>
              <td>
                {hourly(r.min_price)} – {hourly(r.max_price)}
              </td>
              <td>{r.score.toFixed(2)}</td>
              <td>
                <span className={`risk risk-${r.recommendation}`}>{r.recommendation}</span>
              </td>
              <td>{r.interruptions_30d}</td>
              <td>
                <Time iso={r.analyzed_at} />
              </td>
            </tr>
          ))}
          {sorted.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No pool assessed yet (every 15 minutes).
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </article>
  );
}
