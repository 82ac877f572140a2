// Switch downtime over the last 24 h (p95 / avg / max) against the 10 s
// target: from `GET /api/analytics/downtime` when the gateway has it, else
// computed from the switch list.
import type { Api } from "../api/client";
import { ApiError } from "../api/client";
import { listAll } from "../api/fleet";
import type { DowntimeStats, SwitchRow } from "../api/types";
import { ErrorNote, useFetch } from "../components/useFetch";
import { useLiveRefresh } from "../live/LiveContext";
import { downtimeStats } from "../lib/downtime";
import { seconds } from "../lib/format";

async function load(api: Api): Promise<{ stats: DowntimeStats; source: string }> {
  try {
    const stats = await api.get<DowntimeStats>("/api/analytics/downtime", { ...api.scope(), window: "24h" });
    return { stats, source: "analytics" };
  } catch (e) {
    if (!(e instanceof ApiError) || !e.missingRoute) throw e;
  }
  const switches = await listAll<SwitchRow>(api, "switches", {}, 4);
  return { stats: downtimeStats(switches, new Date()), source: "switch list" };
}

export function DowntimeCard({ api }: { api: Api }) {
  const f = useFetch(() => load(api), [api]);
  useLiveRefresh(["switch.executed"], f.reload, 15000);
  const s = f.data?.stats;
  const target = s?.target_seconds ?? 10;
  const over = s?.p95_seconds !== null && s?.p95_seconds !== undefined && s.p95_seconds > target;
  return (
    <article className={`card downtime ${over ? "bad" : "good"}`} aria-labelledby="downtime-h" data-testid="downtime-card">
      <h3 id="downtime-h">Switch downtime, last 24 h</h3>
      <ErrorNote error={f.error} />
      {s && (
        <>
          <dl className="stats">
            <div>
              <dt>p95</dt>
              <dd>{seconds(s.p95_seconds)}</dd>
            </div>
            <div>
              <dt>avg</dt>
              <dd>{seconds(s.avg_seconds)}</dd>
            </div>
            <div>
              <dt>max</dt>
              <dd>{seconds(s.max_seconds)}</dd>
            </div>
            <div>
              <dt>switches</dt>
              <dd>{s.count}</dd>
            </div>
          </dl>
          <p className="muted">
            target {target} s: {s.count === 0 ? "no switch yet" : over ? "p95 over target" : "p95 within target"} · from the {f.data?.source}
          </p>
        </>
      )}
    </article>
  );
}
