// Group settings. Auto switch and manual replica exclude each other: the
// form turns one off when the other is turned on, and refuses to send both
// (the API answers 409 auto_switch_manual_replica_conflict too).
import { useEffect, useState } from "react";
import type { Api } from "../api/client";
import { ErrorNote, useFetch } from "../components/useFetch";
import { toggle, validate, type SettingsForm } from "../lib/settings";

type Loaded = SettingsForm & Record<string, unknown>;

export function GroupSettings({ api, agentId, onSaved }: { api: Api; agentId: string; onSaved: () => void }) {
  const f = useFetch(() => api.get<Loaded>(`/api/agents/${agentId}/settings`), [api, agentId]);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (f.data) setForm(pick(f.data));
  }, [f.data]);
  if (!form) return <ErrorNote error={f.error} />;
  const problems = validate(form);
  const num = (field: keyof SettingsForm) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setSaved(false);
    setForm({ ...form, [field]: e.target.value === "" ? NaN : Number(e.target.value) });
  };
  const flag = (field: "auto_switch" | "manual_replica" | "auto_terminate") => (e: React.ChangeEvent<HTMLInputElement>) => {
    setSaved(false);
    setForm(toggle(form, field, e.target.checked));
  };
  return (
    <article className="card" aria-labelledby="settings-h">
      <h3 id="settings-h">Settings</h3>
      <form
        className="settings"
        onSubmit={async (e) => {
          e.preventDefault();
          if (problems.length) return;
          setError(null);
          try {
            await api.patch(`/api/agents/${agentId}/settings`, form);
            setSaved(true);
            onSaved();
          } catch (err) {
            setError(err instanceof Error ? err : new Error(String(err)));
          }
        }}
      >
        <div className="check">
          <input id="s-auto-switch" type="checkbox" checked={form.auto_switch} onChange={flag("auto_switch")} />
          <label htmlFor="s-auto-switch">Auto switch (the decisions service moves the group)</label>
        </div>
        <div className="check">
          <input id="s-manual-replica" type="checkbox" checked={form.manual_replica} onChange={flag("manual_replica")} />
          <label htmlFor="s-manual-replica">Manual replica (keep a standby; excludes auto switch)</label>
        </div>
        <div className="check">
          <input id="s-auto-terminate" type="checkbox" checked={form.auto_terminate} onChange={flag("auto_terminate")} />
          <label htmlFor="s-auto-terminate">Terminate the old instance after a switch</label>
        </div>
        <label htmlFor="s-wait">Terminate wait (s)</label>
        <input id="s-wait" type="number" min={0} step={1} value={numValue(form.terminate_wait_seconds)} onChange={num("terminate_wait_seconds")} />
        <label htmlFor="s-min-savings">Minimum savings to switch (%)</label>
        <input id="s-min-savings" type="number" min={0} max={100} step={0.1} value={numValue(form.min_savings_percent)} onChange={num("min_savings_percent")} />
        <label htmlFor="s-max-week">Switches per week at most</label>
        <input id="s-max-week" type="number" min={0} step={1} value={numValue(form.max_switches_per_week)} onChange={num("max_switches_per_week")} />
        <label htmlFor="s-min-hours">Minimum hours in a pool</label>
        <input id="s-min-hours" type="number" min={0} step={1} value={numValue(form.min_pool_duration_hours)} onChange={num("min_pool_duration_hours")} />
        {problems.length > 0 && (
          <ul className="error" role="alert">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <button type="submit" disabled={problems.length > 0}>
          Save settings
        </button>
        {saved && (
          <p className="ok" role="status">
            Saved.
          </p>
        )}
        <ErrorNote error={error} />
      </form>
    </article>
  );
}

function numValue(n: number): string | number {
  return Number.isNaN(n) ? "" : n;
}

function pick(d: Loaded): SettingsForm {
  return {
    auto_switch: Boolean(d.auto_switch),
    manual_replica: Boolean(d.manual_replica),
    auto_terminate: Boolean(d.auto_terminate),
    terminate_wait_seconds: Number(d.terminate_wait_seconds ?? 0),
    min_savings_percent: Number(d.min_savings_percent ?? 0),
    max_switches_per_week: Number(d.max_switches_per_week ?? 0),
    min_pool_duration_hours: Number(d.min_pool_duration_hours ?? 0),
  };
}
