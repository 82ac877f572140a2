// The shell: sign-in, the admin's tenant choice, navigation with the
// unread count and the live-stream state, and the current view.
import { useCallback, useEffect, useMemo, useState } from "react";
import { Api, ApiError } from "./api/client";
import { loadSession, saveSession, type Session } from "./api/session";
import { LiveProvider, useLive, useLiveRefresh } from "./live/LiveContext";
import { navigate, parseRoute, usePath } from "./lib/router";
import { ApiExplorer } from "./views/ApiExplorer";
import { Emergencies } from "./views/Emergencies";
import { Fleet } from "./views/Fleet";
import { GroupDetail } from "./views/GroupDetail";
import { Login } from "./views/Login";
import { Models } from "./views/Models";
import { Notifications } from "./views/Notifications";
import { Prices } from "./views/Prices";
import { Savings } from "./views/Savings";
import { TenantPicker } from "./views/TenantPicker";

const NAV = [
  ["/", "Fleet", "fleet"],
  ["/prices", "Prices", "prices"],
  ["/savings", "Savings", "savings"],
  ["/emergencies", "Emergencies", "emergencies"],
  ["/models", "Models", "models"],
  ["/notifications", "Notifications", "notifications"],
  ["/api-explorer", "API", "explorer"],
] as const;

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const update = (s: Session | null) => {
    saveSession(s);
    setSession(s);
  };
  if (!session) return <Login onLogin={update} />;
  return <SignedIn session={session} onChange={update} />;
}

function SignedIn({ session, onChange }: { session: Session; onChange: (s: Session | null) => void }) {
  const api = useMemo(() => new Api(session), [session]);
  const pick = (clientId: string, clientName?: string) => onChange({ ...session, clientId, clientName });
  return (
    <LiveProvider api={api} key={`${session.token}/${session.clientId ?? ""}`}>
      <Shell api={api} session={session} onLogout={() => onChange(null)} onPick={pick} />
    </LiveProvider>
  );
}

function Shell({ api, session, onLogout, onPick }: { api: Api; session: Session; onLogout: () => void; onPick: (id: string, name?: string) => void }) {
  const path = usePath();
  const route = parseRoute(path);
  const { state } = useLive();
  const [unread, setUnread] = useState<number | null>(null);
  const refreshUnread = useCallback(() => {
    if (!session.clientId) return;
    api
      .get<{ unread: number }>("/api/notifications/unread-count", api.scope())
      .then((r) => setUnread(r.unread))
      .catch((e) => {
        if (e instanceof ApiError) setUnread(null);
      });
  }, [api, session.clientId]);
  useEffect(refreshUnread, [refreshUnread]);
  useLiveRefresh(["notification.created"], refreshUnread, 30000);

  return (
    <div className="app">
      <header className="top">
        <a
          className="brand"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate("/");
          }}
        >
          Spot Optimizer
        </a>
        <nav aria-label="Views">
          <ul>
            {NAV.map(([href, label, view]) => (
              <li key={href}>
                <a
                  href={href}
                  aria-current={route.view === view || (view === "fleet" && route.view === "group") ? "page" : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(href);
                  }}
                >
                  {label}
                  {view === "notifications" && unread !== null && unread > 0 && (
                    <span className="count" aria-label={`${unread} unread`} data-testid="unread-count">
                      {unread}
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span
            className={`live live-${state}`}
            title={state === "unavailable" ? "this gateway has no event stream: views refresh every few seconds" : "live updates over the event stream"}
            data-testid="live-state"
          >
            {state === "live" ? "● live" : state === "unavailable" ? "○ polling" : "○ connecting"}
          </span>
          {session.role === "admin" ? <TenantPicker api={api} current={session.clientId} onPick={onPick} /> : <span>{session.clientName ?? "tenant"}</span>}
          <button type="button" onClick={onLogout}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        {session.role === "admin" && !session.clientId && route.view !== "explorer" ? (
          <p className="muted">Choose a tenant to see its fleet.</p>
        ) : (
          <View api={api} route={route} onRead={refreshUnread} />
        )}
      </main>
    </div>
  );
}

function View({ api, route, onRead }: { api: Api; route: ReturnType<typeof parseRoute>; onRead: () => void }) {
  switch (route.view) {
    case "group":
      return <GroupDetail api={api} groupId={route.groupId} />;
    case "prices":
      return <Prices api={api} />;
    case "savings":
      return <Savings api={api} />;
    case "emergencies":
      return <Emergencies api={api} />;
    case "models":
      return <Models api={api} />;
    case "notifications":
      return <Notifications api={api} onRead={onRead} />;
    case "explorer":
      return <ApiExplorer api={api} />;
    default:
      return <Fleet api={api} />;
  }
}
