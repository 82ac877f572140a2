// The operator's session: token and role in sessionStorage (gone when the
// tab closes), the tenant an admin is looking at.

export type Role = "admin" | "tenant";

export interface Session {
  token: string;
  role: Role;
  /** The tenant shown: the token's own, or the one an admin picked. */
  clientId: string | null;
  /** Tenant name when known (validate answers it). */
  clientName?: string;
}

const KEY = "spot.session";

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return typeof s.token === "string" && (s.role === "admin" || s.role === "tenant") ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}
