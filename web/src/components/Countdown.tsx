import { useEffect, useState } from "react";
import { countdown, parseTime, utcTime } from "../lib/format";

/** Ticks every second until the deadline (then shows how overdue). */
export function Countdown({ deadline }: { deadline: string | null | undefined }) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  const d = parseTime(deadline);
  if (!d) return <span>no deadline</span>;
  const left = d.getTime() - now.getTime();
  return (
    <span
      className={`countdown ${left < 0 ? "overdue" : left < 30_000 ? "urgent" : ""}`}
      title={`deadline ${utcTime(d)}`}
      role="timer"
      aria-label="time left until the deadline"
      data-testid="countdown"
    >
      {countdown(d, now)}
    </span>
  );
}
