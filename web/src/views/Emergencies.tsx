// Emergencies: each open notice with a live countdown to its deadline, its
// progress (replica asked, ready, promoted, fallback) and the notice ->
// action latency; closed notices below. The notice of every agent comes
// from `GET /api/agents/{id}/emergency-status`; a `notice.changed` event
// refetches that agent only.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Api } from "../api/client";
import { listAll } from "../api/fleet";
import type { AgentRow, CommandRow, EmergencyStatus } from "../api/types";
import { Countdown } from "../components/Countdown";
import { Time } from "../components/Time";
import { ErrorNote } from "../components/useFetch";
import { useLive } from "../live/LiveContext";
import { navigate } from "../lib/router";
import { actionLatency, isOpen, noticedAt, stages } from "../lib/emergency";
import { seconds, shortId } from "../lib/format";

interface Row {
  agent: AgentRow;
  status: EmergencyStatus;
}

/** Runs `fn` over `items` with at most `limit` calls at once. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Agents worth asking: the newest registration of each instance that is not TERMINATED. */
function candidates(agents: AgentRow[]): AgentRow[] {
  const byInstance = new Map<string, AgentRow>();
  for (const a of agents) {
    if (a.role === "TERMINATED") continue;
    const seen = byInstance.get(a.instance_id);
    if (!seen || Date.parse(a.registered_at) > Date.parse(seen.registered_at)) byInstance.set(a.instance_id, a);
  }
  return [...byInstance.values()].slice(0, 300);
}

export function Emergencies({ api }: { api: Api }) {
  const [rows, setRows] = useState<Map<string, Row>>(new Map());
  const [commands, setCommands] = useState<Map<string, CommandRow>>(new Map());
  const [error, setError] = useState<Error | null>(null);
  const [loaded, setLoaded] = useState(false);
  const { state, subscribe } = useLive();

  const loadAll = useCallback(async () => {
    try {
      const agents = candidates(await listAll<AgentRow>(api, "agents"));
      const statuses = await mapLimit(agents, 6, (a) => api.get<EmergencyStatus>(`/api/agents/${a.agent_id}/emergency-status`).catch(() => null));
      const next = new Map<string, Row>();
      agents.forEach((a, i) => {
        const s = statuses[i];
        if (s?.has_notice) next.set(a.agent_id, { agent: a, status: s });
      });
      setRows(next);
      // The commands the notices queued: when the agent picked them up.
      const cmds = await listAll<CommandRow>(api, "commands", {}, 4);
      setCommands(new Map(cmds.filter((c) => c.request_id?.startsWith("emergency:")).map((c) => [c.id, c])));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setLoaded(true);
    }
  }, [api]);

  useEffect(() => {
    void loadAll();
  }, [loadAll]);

  // A notice event refetches its agent; a reset (stream restarted) refetches all.
  useEffect(
    () =>
      subscribe(["notice.changed"], (e) => {
        if (e.kind === "reset") return void loadAll();
        const agentId = String(e.data.agent_id ?? "");
        if (!agentId) return;
        void api.get<EmergencyStatus>(`/api/agents/${agentId}/emergency-status`).then((s) =>
          setRows((old) => {
            const next = new Map(old);
            const known = old.get(agentId)?.agent;
            const agent = known ?? ({ agent_id: agentId, instance_id: s.instance_id ?? "", group_id: String(e.data.group_id ?? "") } as AgentRow);
            next.set(agentId, { agent, status: s });
            return next;
          }),
        );
      }),
    [api, subscribe, loadAll],
  );
  useEffect(() => {
    if (state !== "unavailable") return;
    const t = setInterval(() => void loadAll(), 10000);
    return () => clearInterval(t);
  }, [state, loadAll]);

  const all = useMemo(() => [...rows.values()].sort((a, b) => Date.parse(noticedAt(b.status) ?? "") - Date.parse(noticedAt(a.status) ?? "")), [rows]);
  const open = all.filter((r) => isOpen(r.status));
  const closed = all.filter((r) => !isOpen(r.status));

  return (
    <section aria-labelledby="em-h">
      <div className="view-head">
        <h2 id="em-h">Emergencies</h2>
        <p className="summary">
          {open.length} open · {closed.length} closed
        </p>
      </div>
      <ErrorNote error={error} />
      {!loaded && <p>Loading…</p>}
      <div className="notices" data-testid="open-notices">
        {open.map((r) => (
          <NoticeCard key={r.status.notice_id ?? r.agent.agent_id} row={r} commands={commands} />
        ))}
        {loaded && open.length === 0 && <p className="muted">No open notice.</p>}
      </div>
      <h3>History</h3>
      <table className="grid" aria-label="Closed notices">
        <thead>
          <tr>
            <th scope="col">Noticed</th>
            <th scope="col">Kind</th>
            <th scope="col">Instance</th>
            <th scope="col">Outcome</th>
            <th scope="col">Action</th>
            <th scope="col">Notice → agent acting</th>
          </tr>
        </thead>
        <tbody>
          {closed.map((r) => (
            <tr key={r.status.notice_id ?? r.agent.agent_id}>
              <td>
                <Time iso={noticedAt(r.status)} />
              </td>
              <td>{r.status.kind}</td>
              <td>{r.status.instance_id}</td>
              <td>{r.status.status}</td>
              <td>
                {r.status.action ?? "—"} {r.status.target_pool_id ? `→ ${r.status.target_pool_id}` : ""}
              </td>
              <td>{seconds(actionLatency(r.status, commands))}</td>
            </tr>
          ))}
          {closed.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                None (the newest notice of each live agent is shown).
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function NoticeCard({ row, commands }: { row: Row; commands: Map<string, CommandRow> }) {
  const s = row.status;
  return (
    <article className="card notice" aria-label={`${s.kind} notice for ${s.instance_id}`} data-testid="notice-card">
      <header>
        <strong>{s.kind} notice</strong> · {s.instance_id} · {s.status}
        {row.agent.group_id && (
          <>
            {" · "}
            <a
              href={`/groups/${row.agent.group_id}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/groups/${row.agent.group_id}`);
              }}
            >
              group {shortId(row.agent.group_id)}
            </a>
          </>
        )}
      </header>
      <p className="deadline">
        Deadline <Time iso={s.deadline} /> — <Countdown deadline={s.deadline} />
      </p>
      <ol className="progress" aria-label="Progress">
        {stages(s, commands).map(({ label, done }) => (
          <li key={label} className={done ? "done" : ""}>
            {done ? "✓ " : ""}
            {label}
          </li>
        ))}
      </ol>
      <p className="muted">
        noticed <Time iso={noticedAt(s)} /> · action {s.action ?? "—"}
        {s.target_pool_id ? ` → ${s.target_pool_id}` : ""} · notice → agent acting {seconds(actionLatency(s, commands))}
        {s.reason ? ` · ${s.reason}` : ""}
      </p>
    </article>
  );
}
