// Notifications centre: newest first, unread marked, mark one or all
// read; webhook settings (the secret is shown once, on creation). Both
// APIs are optional on a gateway: a 404 hides the panel with a note.
import { useState, type FormEvent } from "react";
import type { Api } from "../api/client";
import { ApiError } from "../api/client";
import type { Notification, Webhook } from "../api/types";
import { Severity } from "../components/Badges";
import { Time } from "../components/Time";
import { ErrorNote, useFetch } from "../components/useFetch";
import { useLiveRefresh } from "../live/LiveContext";

export const NOTIFICATION_KINDS = [
  "termination_notice",
  "failover_done",
  "failover_failed",
  "deadline_missed",
  "fell_back_to_on_demand",
  "auto_switch_executed",
  "agent_offline",
  "consolidation_failed",
];

const missing = (e: Error | null) => e instanceof ApiError && e.missingRoute;

export function Notifications({ api, onRead }: { api: Api; onRead: () => void }) {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useFetch(
    () => api.get<{ items: Notification[]; next_cursor: string | null }>("/api/notifications", { ...api.scope(), unread: unreadOnly ? "true" : undefined, limit: 50 }),
    [api, unreadOnly],
  );
  useLiveRefresh(["notification.created"], list.reload, 15000);
  const [error, setError] = useState<Error | null>(null);

  const markRead = async (id?: string) => {
    setError(null);
    try {
      await api.post(id ? `/api/notifications/${id}/read` : "/api/notifications/read-all", {}, api.scope());
      list.reload();
      onRead();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  };

  return (
    <section aria-labelledby="notif-h">
      <div className="view-head">
        <h2 id="notif-h">Notifications</h2>
      </div>
      {missing(list.error) ? (
        <p className="muted" data-testid="notifications-unavailable">
          This gateway has no notifications API yet.
        </p>
      ) : (
        <article className="card">
          <div className="toolbar">
            <input id="unread-only" type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
            <label htmlFor="unread-only">Unread only</label>
            <button type="button" onClick={() => void markRead()}>
              Mark all read
            </button>
          </div>
          <ErrorNote error={list.error} />
          <ErrorNote error={error} />
          <ul className="notifications" data-testid="notification-list">
            {(list.data?.items ?? []).map((n) => (
              <li key={n.id} className={n.read_at ? "read" : "unread"}>
                <Severity severity={n.severity} /> <strong>{n.title}</strong> <Time iso={n.created_at} />
                <p>{n.body}</p>
                {!n.read_at && (
                  <button type="button" onClick={() => void markRead(n.id)}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
            {list.data?.items.length === 0 && <li className="muted">Nothing here.</li>}
          </ul>
        </article>
      )}
      <Webhooks api={api} />
    </section>
  );
}

function Webhooks({ api }: { api: Api }) {
  const hooks = useFetch(() => api.get<{ items?: Webhook[]; webhooks?: Webhook[] } | Webhook[]>("/api/webhooks", api.scope()), [api]);
  const [url, setUrl] = useState("");
  const [kinds, setKinds] = useState<string[]>(["termination_notice", "failover_failed", "deadline_missed"]);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  if (missing(hooks.error)) return <p className="muted">This gateway has no webhook API yet.</p>;
  const items: Webhook[] = Array.isArray(hooks.data) ? hooks.data : (hooks.data?.items ?? hooks.data?.webhooks ?? []);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const created = await api.post<Webhook>("/api/webhooks", { url, kinds }, api.scope());
      setSecret(created.secret ?? null);
      setUrl("");
      hooks.reload();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const remove = async (id: string) => {
    setError(null);
    try {
      await api.del(`/api/webhooks/${id}`);
      hooks.reload();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };

  return (
    <article className="card" aria-labelledby="hooks-h">
      <h3 id="hooks-h">Webhooks</h3>
      <ErrorNote error={hooks.error} />
      <ErrorNote error={error} />
      <ul>
        {items.map((h) => (
          <li key={h.id}>
            <code>{h.url}</code> — {h.kinds.join(", ")}{" "}
            <button type="button" className="danger" onClick={() => void remove(h.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {secret && (
        <p className="ok" role="status">
          Signing secret (shown once): <code>{secret}</code>
        </p>
      )}
      <form onSubmit={add} className="webhook-form">
        <label htmlFor="hook-url">Webhook URL</label>
        <input id="hook-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/spot" />
        <fieldset>
          <legend>Kinds</legend>
          {NOTIFICATION_KINDS.map((k) => (
            <label key={k} className="check">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} /> {k}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!url || kinds.length === 0}>
          Add webhook
        </button>
      </form>
    </article>
  );
}
