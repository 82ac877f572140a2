// Models: the registry (admin token), active versions and their A/B
// shares, activate / deactivate; per model and arm the realised savings;
// the rejected model outputs.
import { useState } from "react";
import type { Api } from "../api/client";
import { ApiError } from "../api/client";
import type { ArmSummary, ModelRow, Page, RejectedOutput } from "../api/types";
import { Time } from "../components/Time";
import { ErrorNote, useFetch } from "../components/useFetch";
import { useLiveRefresh } from "../live/LiveContext";
import { usd } from "../lib/format";

/** Basis points to a percentage label. */
export function share(bp: number | null | undefined): string {
  return bp === null || bp === undefined ? "—" : `${(bp / 100).toFixed(bp % 100 === 0 ? 0 : 2)} %`;
}

export function Models({ api }: { api: Api }) {
  const isAdmin = api.session.role === "admin";
  const registry = useFetch(() => (isAdmin ? api.get<Page<ModelRow>>("/api/admin/models").then((p) => p.items) : Promise.resolve(null)), [api]);
  const summary = useFetch(() => api.get<Page<ArmSummary>>("/api/decisions/summary", api.scope()).then((p) => p.items), [api]);
  const rejected = useFetch(() => api.get<Page<RejectedOutput>>("/api/decisions/rejected", { ...api.scope(), limit: 50 }).then((p) => p.items), [api]);
  useLiveRefresh(["decision.made"], summary.reload, 30000);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const [shares, setShares] = useState<Record<string, string>>({});

  const armB = registry.data?.find((m) => m.active && m.arm === "b") ?? null;
  const shareOf = (m: ModelRow) => {
    if (!m.active) return "—";
    if (m.arm === "b") return share(m.ab_share_bp);
    return armB ? share(10_000 - (armB.ab_share_bp ?? 0)) : "100 %";
  };
  const change = async (m: ModelRow, to: "activate" | "deactivate") => {
    setBusy(m.id);
    setActionError(null);
    try {
      const raw = shares[m.id];
      const body = to === "activate" && raw ? { ab_share_bp: Math.round(Number(raw) * 100) } : {};
      await api.post(`/api/admin/models/${m.id}/${to}`, body);
      registry.reload();
    } catch (e) {
      setActionError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="models-h">
      <div className="view-head">
        <h2 id="models-h">Models</h2>
      </div>
      <article className="card" aria-labelledby="reg-h">
        <h3 id="reg-h">Registry</h3>
        {!isAdmin && <p className="muted">The model registry is the operators' (admin token). Below: how the models did for this tenant.</p>}
        <ErrorNote error={registry.error} />
        <ErrorNote error={actionError} />
        {registry.data && (
          <table className="grid" data-testid="model-registry">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Share of groups</th>
                <th scope="col">Registered</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {registry.data.map((m) => (
                <tr key={m.id}>
                  <td>
                    {m.name}/{m.version}
                    {m.description && <div className="muted">{m.description}</div>}
                  </td>
                  <td>{m.kind}</td>
                  <td>{m.active ? <span className="badge role-primary">active · arm {(m.arm ?? "a").toUpperCase()}</span> : <span className="muted">inactive</span>}</td>
                  <td>{shareOf(m)}</td>
                  <td>
                    <Time iso={m.created_at} />
                  </td>
                  <td className="actions">
                    {m.active ? (
                      <button type="button" disabled={busy !== null} onClick={() => void change(m, "deactivate")}>
                        Deactivate
                      </button>
                    ) : (
                      <>
                        <label htmlFor={`share-${m.id}`} className="sr-only">
                          A/B share for {m.name}/{m.version} (%)
                        </label>
                        <input
                          id={`share-${m.id}`}
                          type="number"
                          min={0}
                          max={100}
                          step={1}
                          placeholder="share %"
                          value={shares[m.id] ?? ""}
                          onChange={(e) => setShares({ ...shares, [m.id]: e.target.value })}
                          className="narrow"
                        />
                        <button type="button" disabled={busy !== null} onClick={() => void change(m, "activate")}>
                          Activate
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </article>
      <article className="card" aria-labelledby="arms-h">
        <h3 id="arms-h">Per model and arm</h3>
        <ErrorNote error={summary.error} />
        <table className="grid" data-testid="arm-summary">
          <thead>
            <tr>
              <th scope="col">Model · arm</th>
              <th scope="col">Groups</th>
              <th scope="col">Decisions</th>
              <th scope="col">Switches proposed</th>
              <th scope="col">Blocked</th>
              <th scope="col">Executed / failed</th>
              <th scope="col">Fallbacks</th>
              <th scope="col">Realised savings</th>
              <th scope="col">Interruptions after switch</th>
            </tr>
          </thead>
          <tbody>
            {(summary.data ?? []).map((a) => (
              <tr key={`${a.model_name}/${a.model_version}/${a.arm}`}>
                <td>
                  {a.model_name}/{a.model_version} · {a.arm}
                </td>
                <td>{a.groups}</td>
                <td>{a.decisions}</td>
                <td>{a.switches_proposed}</td>
                <td>{a.blocked}</td>
                <td>
                  {a.executed} / {a.failed}
                </td>
                <td>{a.fallbacks}</td>
                <td>
                  {usd(a.realised_savings, 4)} <span className="muted">over {a.realised_hours.toFixed(1)} h</span>
                </td>
                <td>{a.interruptions_after_switch}</td>
              </tr>
            ))}
            {summary.data?.length === 0 && (
              <tr>
                <td colSpan={9} className="muted">
                  No decision yet (groups with auto switch are evaluated every 5 minutes).
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </article>
      <article className="card" aria-labelledby="rej-h">
        <h3 id="rej-h">Rejected outputs</h3>
        <ErrorNote error={rejected.error instanceof ApiError ? rejected.error : null} />
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Model</th>
              <th scope="col">Code</th>
              <th scope="col">Reason</th>
              <th scope="col">Raw output</th>
            </tr>
          </thead>
          <tbody>
            {(rejected.data ?? []).map((r) => (
              <tr key={r.id}>
                <td>
                  <Time iso={r.created_at} />
                </td>
                <td>
                  {r.model_name}/{r.model_version}
                </td>
                <td>{r.code}</td>
                <td>{r.reason}</td>
                <td>
                  <code className="clip">{r.raw_output ?? "—"}</code>
                </td>
              </tr>
            ))}
            {rejected.data?.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No rejected output.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </article>
    </section>
  );
}
