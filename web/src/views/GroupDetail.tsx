// One group: its instances and timeline (live), replicas (create, promote,
// terminate), manual switch with a pool picker (price and risk), settings
// (auto switch XOR manual replica), and the decisions taken for it.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Api } from "../api/client";
import { ApiError, requestId } from "../api/client";
import { listAll } from "../api/fleet";
import type {
  AgentRow,
  CommandRow,
  Decision,
  EmergencyStatus,
  GroupRow,
  InstanceRow,
  LiveEvent,
  ReplicaRow,
  SwitchRow,
} from "../api/types";
import { RoleBadge, StatusDot } from "../components/Badges";
import { Time } from "../components/Time";
import { ErrorNote, useFetch } from "../components/useFetch";
import { useLive, useLiveRefresh } from "../live/LiveContext";
import { shortId } from "../lib/format";
import { buildTimeline } from "../lib/timeline";
import { GroupSettings } from "./GroupSettings";
import { SwitchPanel } from "./SwitchPanel";

interface GroupData {
  group: GroupRow | null;
  instances: InstanceRow[];
  agents: AgentRow[];
  replicas: ReplicaRow[];
  switches: SwitchRow[];
  commands: CommandRow[];
  decisions: Decision[];
  notice: EmergencyStatus | null;
}

export function decisionItems(r: unknown): Decision[] {
  if (!r || typeof r !== "object") return [];
  const o = r as Record<string, unknown>;
  const list = o.items ?? o.decisions ?? o.rejected ?? [];
  return Array.isArray(list) ? (list as Decision[]) : [];
}

async function loadGroup(api: Api, groupId: string): Promise<GroupData> {
  const q = { group_id: groupId };
  const [groups, instances, agents, replicas, switches, commands, decisions] = await Promise.all([
    listAll<GroupRow>(api, "groups", q, 1),
    listAll<InstanceRow>(api, "instances", q, 2),
    listAll<AgentRow>(api, "agents", q, 2),
    listAll<ReplicaRow>(api, "replicas", q, 2),
    listAll<SwitchRow>(api, "switches", q, 2),
    listAll<CommandRow>(api, "commands", q, 2),
    api.get<unknown>("/api/decisions", { ...api.scope(), group_id: groupId, limit: 50 }).then(decisionItems).catch(() => []),
  ]);
  const groupAgents = agents.filter((a) => a.group_id === groupId);
  const primary = instances.find((i) => i.role === "PRIMARY");
  const agent = newestAgent(groupAgents, primary?.instance_id);
  let notice: EmergencyStatus | null = null;
  if (agent) notice = await api.get<EmergencyStatus>(`/api/agents/${agent.agent_id}/emergency-status`).catch(() => null);
  return { group: groups[0] ?? null, instances, agents: groupAgents, replicas, switches, commands, decisions, notice };
}

export function newestAgent(agents: AgentRow[], instanceId?: string): AgentRow | null {
  const pool = instanceId ? agents.filter((a) => a.instance_id === instanceId) : agents;
  return [...(pool.length ? pool : agents)].sort((a, b) => Date.parse(b.registered_at) - Date.parse(a.registered_at))[0] ?? null;
}

export function GroupDetail({ api, groupId }: { api: Api; groupId: string }) {
  const f = useFetch(() => loadGroup(api, groupId), [api, groupId]);
  const { subscribe } = useLive();
  // Live events of this group that arrived after the last load: shown until
  // the refetch brings their records.
  const [live, setLive] = useState<{ event: LiveEvent; received: number }[]>([]);
  const [loadedAt, setLoadedAt] = useState(0);
  useEffect(() => {
    setLive([]);
    return subscribe("*", (e) => {
      if (e.data.group_id === groupId) setLive((l) => [{ event: e, received: Date.now() }, ...l].slice(0, 50));
    });
  }, [subscribe, groupId]);
  useEffect(() => setLoadedAt(Date.now()), [f.data]);
  useLiveRefresh(["instance.role_changed", "switch.executed", "notice.changed", "decision.made", "agent.status_changed"], f.reload, 3000);

  const d = f.data;
  const primary = d?.instances.find((i) => i.role === "PRIMARY") ?? null;
  const agent = d ? newestAgent(d.agents, primary?.instance_id) : null;
  const timeline = useMemo(
    () =>
      d
        ? buildTimeline({
            instances: d.instances,
            switches: d.switches,
            commands: d.commands,
            replicas: d.replicas,
            notice: d.notice,
            decisions: d.decisions,
            live: live.filter((l) => l.received > loadedAt).map((l) => l.event),
          })
        : [],
    [d, live, loadedAt],
  );

  if (!d) {
    return (
      <section>
        <h2>Group</h2>
        <ErrorNote error={f.error} />
        {f.loading && <p>Loading…</p>}
      </section>
    );
  }
  if (!d.group) return <p role="alert">No group {groupId} for this tenant.</p>;

  return (
    <section aria-labelledby="group-h" className="group-detail">
      <div className="view-head">
        <h2 id="group-h">Group {d.group.logical_agent_id}</h2>
        <p className="summary">
          {primary ? (
            <>
              <RoleBadge role="PRIMARY" /> {primary.instance_id} · {primary.mode} · {primary.pool_id ?? primary.az}
            </>
          ) : (
            "no PRIMARY"
          )}{" "}
          · agent <StatusDot status={agent?.status} /> {agent && <span className="muted">({shortId(agent.agent_id)})</span>}
        </p>
      </div>
      <ErrorNote error={f.error} />
      <div className="two-col">
        <div>
          <Instances instances={d.instances} />
          <Replicas api={api} agent={agent} replicas={d.replicas} onChanged={f.reload} />
          {agent && primary && <SwitchPanel api={api} agent={agent} primary={primary} onQueued={f.reload} />}
          {agent && <GroupSettings api={api} agentId={agent.agent_id} onSaved={f.reload} />}
        </div>
        <div>
          <article className="card" aria-labelledby="timeline-h">
            <h3 id="timeline-h">Timeline</h3>
            <ol className="timeline" data-testid="timeline">
              {timeline.slice(0, 80).map((e) => (
                <li key={e.key} className={`tl-${e.kind}`} data-kind={e.kind}>
                  <Time iso={e.at} /> <strong>{e.title}</strong>
                  {e.detail && <div className="muted">{e.detail}</div>}
                </li>
              ))}
              {timeline.length === 0 && <li className="muted">Nothing yet.</li>}
            </ol>
          </article>
          <Decisions decisions={d.decisions} />
        </div>
      </div>
    </section>
  );
}

function Instances({ instances }: { instances: InstanceRow[] }) {
  return (
    <article className="card" aria-labelledby="inst-h">
      <h3 id="inst-h">Instances</h3>
      <table className="grid compact">
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Role</th>
            <th scope="col">Mode · pool</th>
            <th scope="col">Role since</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => (
            <tr key={i.id}>
              <td>{i.instance_id}</td>
              <td>
                <RoleBadge role={i.role} />
              </td>
              <td>
                {i.mode} · {i.pool_id ?? i.az}
              </td>
              <td>
                <Time iso={i.role_changed_at ?? i.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

function Replicas({ api, agent, replicas, onChanged }: { api: Api; agent: AgentRow | null; replicas: ReplicaRow[]; onChanged: () => void }) {
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pool, setPool] = useState("");
  const act = useCallback(
    async (label: string, fn: () => Promise<unknown>) => {
      setBusy(label);
      setError(null);
      try {
        await fn();
        onChanged();
      } catch (e) {
        setError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        setBusy(null);
      }
    },
    [onChanged],
  );
  const live = replicas.filter((r) => r.status !== "terminated");
  return (
    <article className="card" aria-labelledby="rep-h">
      <h3 id="rep-h">Replicas</h3>
      <ErrorNote error={error} />
      <table className="grid compact">
        <thead>
          <tr>
            <th scope="col">Replica</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Instance · pool</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {live.map((r) => (
            <tr key={r.id}>
              <td>{shortId(r.id)}</td>
              <td>{r.replica_type}</td>
              <td>{r.status}</td>
              <td>
                {r.instance_id ?? "not launched"} · {r.pool_id ?? "—"}
              </td>
              <td className="actions">
                <button
                  type="button"
                  disabled={!agent || busy !== null || r.status !== "ready"}
                  title={r.status !== "ready" ? "only a ready replica can be promoted" : undefined}
                  onClick={() => act(`promote-${r.id}`, () => api.post(`/api/agents/${agent!.agent_id}/replicas/${r.id}/promote`, { request_id: requestId() }))}
                >
                  Promote
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={!agent || busy !== null}
                  onClick={() => {
                    if (confirm(`Terminate replica ${shortId(r.id)}?`)) void act(`term-${r.id}`, () => api.del(`/api/agents/${agent!.agent_id}/replicas/${r.id}`));
                  }}
                >
                  Terminate
                </button>
              </td>
            </tr>
          ))}
          {live.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No live replica.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (agent) void act("create", () => api.post(`/api/agents/${agent.agent_id}/replicas`, pool.trim() ? { target_pool_id: pool.trim() } : {}));
        }}
      >
        <label htmlFor="replica-pool">Pool for a manual replica (empty: cheapest outside the PRIMARY's AZ)</label>
        <input id="replica-pool" value={pool} onChange={(e) => setPool(e.target.value)} placeholder="e.g. t3.medium.us-east-1b" />
        <button type="submit" disabled={!agent || busy !== null}>
          Request replica
        </button>
      </form>
    </article>
  );
}

function Decisions({ decisions }: { decisions: Decision[] }) {
  return (
    <article className="card" aria-labelledby="dec-h">
      <h3 id="dec-h">Decisions</h3>
      <table className="grid compact">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Model · arm</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {decisions.slice(0, 20).map((d) => (
            <tr key={d.id}>
              <td>
                <Time iso={d.decided_at} />
              </td>
              <td>
                {d.action}
                {d.blocked ? " (blocked)" : ""}
              </td>
              <td>{[d.model_name, d.model_version, d.arm].filter(Boolean).join(" · ") || "—"}</td>
              <td>{d.target_pool_id ?? d.target_mode ?? "—"}</td>
            </tr>
          ))}
          {decisions.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No decision for this group yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </article>
  );
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.status === 409;
}
