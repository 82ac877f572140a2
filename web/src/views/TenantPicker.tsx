// The admin chooses the tenant to look at: from the operators' tenant list
// when the gateway has it (`GET /api/admin/tenants`), else by id.
import { useEffect, useState, type FormEvent } from "react";
import { Api, ApiError } from "../api/client";

interface Tenant {
  id: string;
  name?: string;
}

export function TenantPicker({ api, current, onPick }: { api: Api; current: string | null; onPick: (id: string, name?: string) => void }) {
  const [tenants, setTenants] = useState<Tenant[] | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [typed, setTyped] = useState(current ?? "");

  useEffect(() => {
    api
      .get<{ items?: Tenant[]; tenants?: Tenant[] }>("/api/admin/tenants", { limit: 200 })
      .then((r) => setTenants(r.items ?? r.tenants ?? []))
      .catch((e) => {
        if (!(e instanceof ApiError)) console.warn(e);
        setTenants(null);
      })
      .finally(() => setLoaded(true));
  }, [api]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim()) onPick(typed.trim());
  };

  // One control, not an id box that turns into a list when the list arrives.
  if (!loaded) return <p className="tenant-picker">Loading tenants…</p>;
  if (tenants && tenants.length > 0) {
    return (
      <div className="tenant-picker">
        <label htmlFor="tenant-select">Tenant</label>
        <select
          id="tenant-select"
          value={current ?? ""}
          onChange={(e) => {
            const t = tenants.find((x) => x.id === e.target.value);
            if (t) onPick(t.id, t.name);
          }}
        >
          <option value="" disabled>
            choose a tenant
          </option>
          {tenants.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name ? `${t.name} (${t.id.slice(0, 8)})` : t.id}
            </option>
          ))}
        </select>
      </div>
    );
  }
  return (
    <form className="tenant-picker" onSubmit={submit}>
      <label htmlFor="tenant-id">Tenant id</label>
      <input id="tenant-id" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="client id (UUID)" size={38} />
      <button type="submit">Show</button>
    </form>
  );
}
