import { localTime, parseTime, utcTime } from "../lib/format";

/** A time in the browser's zone; hovering shows it in UTC. */
export function Time({ iso, fallback = "—" }: { iso: string | null | undefined; fallback?: string }) {
  const d = parseTime(iso);
  if (!d) return <span>{fallback}</span>;
  return (
    <time dateTime={d.toISOString()} title={utcTime(d)}>
      {localTime(d)}
    </time>
  );
}
