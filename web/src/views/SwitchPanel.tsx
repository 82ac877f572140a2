// Manual switch: a pool picker listing every pool of the PRIMARY's type
// with its price and risk, plus on-demand. Sent with an X-Request-ID, so a
// retried click queues one command.
import { useMemo, useState } from "react";
import type { Api } from "../api/client";
import { requestId } from "../api/client";
import type { AgentRow, InstancePricing, InstanceRow, PoolRisk } from "../api/types";
import { ErrorNote, useFetch } from "../components/useFetch";
import { hourly } from "../lib/format";
import { poolType } from "../lib/prices";

export interface PoolChoice {
  id: string;
  az: string;
  price: number | null;
  risk: PoolRisk | null;
  current: boolean;
}

export function poolChoices(primary: InstanceRow, pricing: InstancePricing | null, risks: PoolRisk[]): PoolChoice[] {
  const type = primary.instance_type;
  const byId = new Map<string, PoolChoice>();
  for (const p of pricing?.pools ?? []) byId.set(p.id, { id: p.id, az: p.az, price: p.price || null, risk: null, current: false });
  for (const r of risks) {
    if (poolType(r.pool_id) !== type) continue;
    const c = byId.get(r.pool_id) ?? { id: r.pool_id, az: r.pool_id.slice(type.length + 1), price: r.avg_price || null, risk: null, current: false };
    c.risk = r;
    byId.set(r.pool_id, c);
  }
  const current = primary.pool_id ?? `${type}.${primary.az}`;
  if (!byId.has(current)) byId.set(current, { id: current, az: primary.az, price: null, risk: null, current: true });
  for (const c of byId.values()) c.current = c.id === current && primary.mode === "spot";
  return [...byId.values()].sort((a, b) => (a.price ?? Infinity) - (b.price ?? Infinity) || a.id.localeCompare(b.id));
}

async function loadPools(api: Api, primary: InstanceRow) {
  const [pricing, risk] = await Promise.all([
    api.get<InstancePricing>(`/api/client/instances/${primary.instance_id}/pricing`).catch(() => null),
    api.get<{ risks: PoolRisk[] }>("/api/pricing/risk").catch(() => ({ risks: [] as PoolRisk[] })),
  ]);
  return { pricing, risks: risk.risks };
}

export function SwitchPanel({ api, agent, primary, onQueued }: { api: Api; agent: AgentRow; primary: InstanceRow; onQueued: () => void }) {
  const f = useFetch(() => loadPools(api, primary), [api, primary.instance_id]);
  const choices = useMemo(() => (f.data ? poolChoices(primary, f.data.pricing, f.data.risks) : []), [f.data, primary]);
  const [target, setTarget] = useState<string>("");
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(requestId);

  const submit = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const body = target === "ondemand" ? { target_mode: "ondemand" } : { target_mode: "spot", target_pool_id: target };
      const res = await api.post<{ id?: string; command_id?: string }>(`/api/agents/${agent.agent_id}/issue-switch-command`, body, undefined, key);
      setDone(`Switch queued (command ${res.id ?? res.command_id ?? "?"}).`);
      setKey(requestId());
      onQueued();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };

  const onDemand = f.data?.pricing?.onDemand?.price;
  return (
    <article className="card" aria-labelledby="switch-h">
      <h3 id="switch-h">Manual switch</h3>
      <ErrorNote error={f.error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <fieldset>
          <legend>Target pool</legend>
          <table className="grid compact" data-testid="pool-picker">
            <thead>
              <tr>
                <th scope="col">Pool</th>
                <th scope="col">Price</th>
                <th scope="col">Risk</th>
                <th scope="col">Interruptions 30 d</th>
              </tr>
            </thead>
            <tbody>
              {choices.map((c) => (
                <tr key={c.id} className={c.current ? "current" : ""}>
                  <td>
                    <label>
                      <input type="radio" name="target" value={c.id} checked={target === c.id} disabled={c.current} onChange={() => setTarget(c.id)} /> {c.id}
                      {c.current && <span className="muted"> (current)</span>}
                    </label>
                  </td>
                  <td>{hourly(c.price)}</td>
                  <td>{c.risk ? <span className={`risk risk-${c.risk.recommendation}`}>{c.risk.score.toFixed(2)} {c.risk.recommendation}</span> : "—"}</td>
                  <td>{c.risk?.interruptions_30d ?? "—"}</td>
                </tr>
              ))}
              <tr>
                <td>
                  <label>
                    <input type="radio" name="target" value="ondemand" checked={target === "ondemand"} disabled={primary.mode !== "spot"} onChange={() => setTarget("ondemand")} /> on-demand
                  </label>
                </td>
                <td>{hourly(onDemand)}</td>
                <td>none</td>
                <td>—</td>
              </tr>
            </tbody>
          </table>
        </fieldset>
        <button type="submit" disabled={busy || !target}>
          {busy ? "Queuing…" : "Switch"}
        </button>
        {done && (
          <p className="ok" role="status">
            {done}
          </p>
        )}
        <ErrorNote error={error} />
      </form>
    </article>
  );
}
