// Fleet: every group with its PRIMARY and replicas, role badges, mode and
// pool, online/offline, last heartbeat, open notices; filter and search.
// Refreshed by live events (role, status, switch, notice).
import { useMemo, useState } from "react";
import type { Api } from "../api/client";
import { listAll } from "../api/fleet";
import type { AgentRow, CommandRow, GroupRow, InstanceRow, ReplicaRow } from "../api/types";
import { RoleBadge, StatusDot } from "../components/Badges";
import { Time } from "../components/Time";
import { ErrorNote, useFetch } from "../components/useFetch";
import { useLiveRefresh } from "../live/LiveContext";
import { navigate } from "../lib/router";
import { DowntimeCard } from "./DowntimeCard";

export interface FleetData {
  groups: GroupRow[];
  agents: AgentRow[];
  instances: InstanceRow[];
  replicas: ReplicaRow[];
  openEmergencies: CommandRow[];
}

export interface GroupView {
  group: GroupRow;
  primary: InstanceRow | null;
  instances: InstanceRow[];
  agent: AgentRow | null;
  replicas: ReplicaRow[];
  openNotices: number;
}

export async function loadFleet(api: Api): Promise<FleetData> {
  const [groups, agents, instances, replicas, pending, delivered] = await Promise.all([
    listAll<GroupRow>(api, "groups"),
    listAll<AgentRow>(api, "agents"),
    listAll<InstanceRow>(api, "instances"),
    listAll<ReplicaRow>(api, "replicas"),
    listAll<CommandRow>(api, "commands", { status: "pending" }),
    listAll<CommandRow>(api, "commands", { status: "delivered" }),
  ]);
  const openEmergencies = [...pending, ...delivered].filter((c) => c.request_id?.startsWith("emergency:"));
  return { groups, agents, instances, replicas, openEmergencies };
}

/** Joins the listings into one row per group (newest registration per instance). */
export function groupViews(d: FleetData): GroupView[] {
  const agentByInstance = new Map<string, AgentRow>();
  for (const a of d.agents) {
    const seen = agentByInstance.get(a.instance_id);
    if (!seen || Date.parse(a.registered_at) > Date.parse(seen.registered_at)) agentByInstance.set(a.instance_id, a);
  }
  return d.groups.map((group) => {
    const instances = d.instances.filter((i) => i.group_id === group.id);
    const primary = instances.find((i) => i.role === "PRIMARY") ?? null;
    const agent = primary ? agentByInstance.get(primary.instance_id) ?? null : null;
    const replicas = d.replicas.filter((r) => r.group_id === group.id && r.status !== "terminated");
    const openNotices = d.openEmergencies.filter((c) => c.group_id === group.id).length;
    return { group, primary, instances, agent, replicas, openNotices };
  });
}

export function matches(v: GroupView, search: string, filter: string): boolean {
  if (filter === "online" && v.agent?.status !== "online") return false;
  if (filter === "offline" && v.agent?.status === "online") return false;
  if (filter === "notices" && v.openNotices === 0) return false;
  if (filter === "ondemand" && v.primary?.mode !== "on-demand" && v.primary?.mode !== "ondemand") return false;
  if (!search) return true;
  const q = search.toLowerCase();
  return [v.group.logical_agent_id, v.group.id, v.primary?.instance_id, v.primary?.pool_id, v.primary?.az, v.primary?.instance_type, v.agent?.agent_id]
    .filter(Boolean)
    .some((s) => String(s).toLowerCase().includes(q));
}

export function Fleet({ api }: { api: Api }) {
  const fleet = useFetch(() => loadFleet(api), [api]);
  useLiveRefresh(["instance.role_changed", "agent.status_changed", "switch.executed", "notice.changed"], fleet.reload, 3000);
  const [search, setSearch] = useState("");
  const [filter, setFilter] = useState("all");
  const views = useMemo(() => (fleet.data ? groupViews(fleet.data) : []), [fleet.data]);
  const shown = views.filter((v) => matches(v, search, filter));
  const online = views.filter((v) => v.agent?.status === "online").length;
  const now = new Date();

  return (
    <section aria-labelledby="fleet-h">
      <div className="view-head">
        <h2 id="fleet-h">Fleet</h2>
        <p className="summary" data-testid="fleet-summary">
          {views.length} groups · {online} online · {views.reduce((n, v) => n + v.openNotices, 0)} open notices
        </p>
      </div>
      <div className="cards">
        <DowntimeCard api={api} />
      </div>
      <div className="toolbar">
        <label htmlFor="fleet-search">Search</label>
        <input id="fleet-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="agent, instance, pool, AZ" />
        <label htmlFor="fleet-filter">Show</label>
        <select id="fleet-filter" value={filter} onChange={(e) => setFilter(e.target.value)}>
          <option value="all">all groups</option>
          <option value="online">online</option>
          <option value="offline">offline</option>
          <option value="notices">with open notices</option>
          <option value="ondemand">on on-demand</option>
        </select>
      </div>
      <ErrorNote error={fleet.error} />
      {fleet.loading && !fleet.data && <p>Loading…</p>}
      <table className="grid" data-testid="fleet-table">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">PRIMARY</th>
            <th scope="col">Mode · pool</th>
            <th scope="col">Agent</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Replicas / other instances</th>
            <th scope="col">Notices</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((v) => (
            <tr key={v.group.id} data-testid="fleet-row">
              <td>
                <a
                  href={`/groups/${v.group.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/groups/${v.group.id}`);
                  }}
                >
                  {v.group.logical_agent_id}
                </a>
                <div className="muted">{v.group.auto_switch ? "auto switch" : v.group.manual_replica ? "manual replica" : "manual"}</div>
              </td>
              <td>
                {v.primary ? (
                  <>
                    <RoleBadge role="PRIMARY" /> {v.primary.instance_id}
                    <div className="muted">{v.primary.instance_type}</div>
                  </>
                ) : (
                  <span className="muted">none</span>
                )}
              </td>
              <td>
                {v.primary?.mode ?? "—"}
                <div className="muted">{v.primary?.pool_id ?? v.primary?.az ?? ""}</div>
              </td>
              <td>
                <StatusDot status={v.agent?.status} />
              </td>
              <td>
                {v.agent?.last_heartbeat_at ? <Time iso={v.agent.last_heartbeat_at} /> : "—"}
                {v.agent?.last_heartbeat_at && <div className="muted">{agoText(v.agent.last_heartbeat_at, now)}</div>}
              </td>
              <td>
                {v.instances
                  .filter((i) => i.role !== "PRIMARY" && i.role !== "TERMINATED")
                  .map((i) => (
                    <div key={i.id}>
                      <RoleBadge role={i.role} /> {i.instance_id}
                    </div>
                  ))}
                {v.replicas
                  .filter((r) => !r.instance_id || !v.instances.some((i) => i.instance_id === r.instance_id))
                  .map((r) => (
                    <div key={r.id}>
                      <RoleBadge role="REPLICA" /> {r.replica_type} · {r.status}
                    </div>
                  ))}
              </td>
              <td>{v.openNotices > 0 ? <span className="badge sev-critical">{v.openNotices} open</span> : <span className="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {fleet.data && shown.length === 0 && <p className="muted">No group matches.</p>}
    </section>
  );
}

function agoText(iso: string, now: Date): string {
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  return s < 60 ? `${Math.max(s, 0)} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`;
}
