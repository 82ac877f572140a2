export function RoleBadge({ role }: { role: string | null | undefined }) {
  const r = (role ?? "UNKNOWN").toUpperCase();
  return <span className={`badge role-${r.toLowerCase()}`}>{r}</span>;
}

export function StatusDot({ status }: { status: string | null | undefined }) {
  const s = (status ?? "unknown").toLowerCase();
  return (
    <span className={`status status-${s}`}>
      <span className="dot" aria-hidden="true" />
      {s}
    </span>
  );
}

export function Severity({ severity }: { severity: string }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}
