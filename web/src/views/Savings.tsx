// Savings: actual cost against the on-demand equivalent per day, cumulative
// savings and %, spot / on-demand hours, replica cost; the current $/h next
// to the on-demand $/h.
import { useMemo, useState } from "react";
import type uPlot from "uplot";
import type { Api } from "../api/client";
import type { DashInstance, SavingsRow } from "../api/types";
import { Chart, localTimeAxis } from "../components/Chart";
import { ErrorNote, useFetch } from "../components/useFetch";
import { useLiveRefresh } from "../live/LiveContext";
import { hourly, pct, usd } from "../lib/format";
import { cumulative, currentRate, totals } from "../lib/savings";
import { DowntimeCard } from "./DowntimeCard";

interface ReplicaCost {
  hourly_cost: number;
  status: string;
}

async function load(api: Api, days: number) {
  const to = new Date();
  const from = new Date(to.getTime() - days * 86400_000);
  const [savings, dash, reps] = await Promise.all([
    api.get<{ rows: SavingsRow[] }>("/api/savings", { ...api.scope(), from: from.toISOString(), to: to.toISOString(), granularity: "day" }),
    api.session.role === "tenant" && api.session.clientId
      ? api.get<{ instances: DashInstance[] }>(`/api/client/${api.session.clientId}/instances`).catch(() => null)
      : Promise.resolve(null),
    api.session.role === "tenant" && api.session.clientId
      ? api.get<{ replicas: ReplicaCost[] }>(`/api/client/${api.session.clientId}/replicas`).catch(() => null)
      : Promise.resolve(null),
  ]);
  return { rows: savings.rows, instances: dash?.instances ?? null, replicas: reps?.replicas ?? null };
}

export function Savings({ api }: { api: Api }) {
  const [days, setDays] = useState(30);
  const f = useFetch(() => load(api, days), [api, days]);
  useLiveRefresh(["switch.executed"], f.reload, 60000);
  const rows = useMemo(() => [...(f.data?.rows ?? [])].sort((a, b) => a.period.localeCompare(b.period)), [f.data]);
  const t = totals(rows);
  const rate = f.data?.instances ? currentRate(f.data.instances) : null;
  const replicaRate = f.data?.replicas?.filter((r) => r.status !== "terminated").reduce((a, r) => a + r.hourly_cost, 0) ?? null;
  const data = useMemo<uPlot.AlignedData>(
    () => [rows.map((r) => Date.parse(r.period) / 1000), rows.map((r) => r.actual_cost), rows.map((r) => r.on_demand_equivalent_cost), cumulative(rows)],
    [rows],
  );
  const options = useMemo<Omit<uPlot.Options, "width" | "height">>(
    () => ({
      scales: { x: { time: true } },
      axes: [localTimeAxis(), { label: "USD", size: 70 }],
      series: [
        {},
        { label: "actual cost", stroke: "#1f6feb", width: 2, fill: "rgba(31,111,235,0.08)" },
        { label: "on-demand equivalent", stroke: "#dc2626", width: 2, dash: [8, 4] },
        { label: "cumulative savings", stroke: "#16a34a", width: 2 },
      ],
    }),
    [],
  );
  return (
    <section aria-labelledby="savings-h">
      <div className="view-head">
        <h2 id="savings-h">Savings</h2>
        <div className="toolbar">
          <label htmlFor="days">Range</label>
          <select id="days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
            <option value={90}>90 days</option>
          </select>
        </div>
      </div>
      <ErrorNote error={f.error} />
      <div className="cards">
        <article className="card stat" data-testid="savings-total">
          <h3>Saved</h3>
          <p className="big">{usd(t.savings)}</p>
          <p className="muted">{pct(t.percent)} of {usd(t.onDemand)} on-demand</p>
        </article>
        <article className="card stat">
          <h3>Paid</h3>
          <p className="big">{usd(t.actual)}</p>
          <p className="muted">{t.switches} switches</p>
        </article>
        <article className="card stat">
          <h3>Hours</h3>
          <p className="big">{t.spotHours.toFixed(0)} spot</p>
          <p className="muted">{t.onDemandHours.toFixed(0)} on-demand</p>
        </article>
        <article className="card stat">
          <h3>Now</h3>
          <p className="big">{rate ? hourly(rate.actual) : "—"}</p>
          <p className="muted">
            vs {rate ? hourly(rate.onDemand) : "—"} on-demand · replicas {replicaRate !== null ? hourly(replicaRate) : rate ? hourly(rate.replicas) : "—"}
          </p>
        </article>
        <DowntimeCard api={api} />
      </div>
      <article className="card" aria-labelledby="sav-chart-h">
        <h3 id="sav-chart-h">Per day</h3>
        {rows.length === 0 ? <p className="muted">No savings snapshot in this range yet (taken daily).</p> : <Chart options={options} data={data} label="Actual cost, on-demand equivalent and cumulative savings per day" />}
      </article>
      <table className="grid" aria-label="Savings per day">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Actual</th>
            <th scope="col">On-demand equivalent</th>
            <th scope="col">Saved</th>
            <th scope="col">%</th>
            <th scope="col">Spot h</th>
            <th scope="col">On-demand h</th>
            <th scope="col">Switches</th>
          </tr>
        </thead>
        <tbody>
          {[...rows].reverse().map((r) => (
            <tr key={r.period}>
              <td>{r.period.slice(0, 10)}</td>
              <td>{usd(r.actual_cost)}</td>
              <td>{usd(r.on_demand_equivalent_cost)}</td>
              <td>{usd(r.savings)}</td>
              <td>{pct(r.savings_percent)}</td>
              <td>{r.spot_hours.toFixed(1)}</td>
              <td>{r.on_demand_hours.toFixed(1)}</td>
              <td>{r.switch_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
