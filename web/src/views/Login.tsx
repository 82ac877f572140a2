// Sign-in with a tenant token or the admin token. A tenant token is
// recognised by `GET /api/client/validate`; the admin token by the admin-only
// model registry. Nothing is stored beyond the tab (sessionStorage).
import { useState, type FormEvent } from "react";
import { Api, ApiError } from "../api/client";
import type { Session } from "../api/session";

export async function identify(token: string, fetchImpl?: typeof fetch): Promise<Session> {
  const probe = new Api({ token, role: "tenant", clientId: null }, fetchImpl);
  try {
    const v = await probe.get<{ valid?: boolean; client_id: string; client_name?: string; name?: string }>("/api/client/validate");
    return { token, role: "tenant", clientId: v.client_id, clientName: v.client_name ?? v.name };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
  }
  const admin = new Api({ token, role: "admin", clientId: null }, fetchImpl);
  try {
    await admin.get("/api/admin/models");
    return { token, role: "admin", clientId: null };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) throw new ApiError(401, "unauthorized", "This token is neither a tenant's nor the admin token.");
    throw e;
  }
}

export function Login({ onLogin }: { onLogin: (s: Session) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await identify(token.trim()));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <h1>Spot Optimizer</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="token">API token (a tenant's, or the admin token)</label>
        <input id="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required autoFocus />
        <button type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <p className="hint">The token stays in this browser tab only and is sent as a bearer token.</p>
      </form>
    </main>
  );
}
