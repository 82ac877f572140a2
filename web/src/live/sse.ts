// Server-Sent Events over fetch() (EventSource cannot send the bearer
// header): an incremental parser and a reconnecting reader of
// `GET /api/events/stream` (the contract is in docs/DASHBOARD.md).
import type { LiveEvent } from "../api/types";

/** Incremental SSE parser: feed text chunks, get complete events. */
export class SseParser {
  private buffer = "";
  private id: string | null = null;
  private event = "";
  private data: string[] = [];
  /** The id of the last complete event (for Last-Event-ID). */
  lastId: string | null = null;

  push(chunk: string): LiveEvent[] {
    this.buffer += chunk;
    const out: LiveEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sep = this.buffer.startsWith("\r\n", nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + sep);
      if (line === "") {
        const ev = this.dispatch();
        if (ev) out.push(ev);
        continue;
      }
      if (line.startsWith(":")) continue; // comment / keep-alive
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") this.id = value;
      else if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
    }
    return out;
  }

  private dispatch(): LiveEvent | null {
    const id = this.id;
    const kind = this.event || "message";
    const raw = this.data.join("\n");
    this.event = "";
    this.data = [];
    if (id !== null) this.lastId = id;
    this.id = null;
    if (raw === "" && kind === "message") return null;
    let data: LiveEvent["data"] = {};
    try {
      const parsed = raw ? JSON.parse(raw) : {};
      if (parsed && typeof parsed === "object") data = parsed;
    } catch {
      return null; // a line we cannot read is skipped, the stream goes on
    }
    return { id, kind, data };
  }
}

export type StreamState = "connecting" | "live" | "unavailable" | "retrying";

export interface StreamOptions {
  url: string;
  headers: Record<string, string>;
  onEvent: (e: LiveEvent) => void;
  onState: (s: StreamState) => void;
  fetchImpl?: typeof fetch;
  /** Backoff before reconnecting, ms (grows to 30 s). */
  baseDelayMs?: number;
}

/**
 * Reads the stream until `stop()`; reconnects with Last-Event-ID after a
 * drop. A 404 means this gateway has no stream: state `unavailable`, no
 * retries (the app then refreshes views on a timer instead).
 */
export function openStream(opts: StreamOptions): { stop: () => void } {
  const fetchImpl = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const ctl = new AbortController();
  let stopped = false;
  let lastId: string | null = null;
  let delay = opts.baseDelayMs ?? 1000;

  const run = async () => {
    while (!stopped) {
      opts.onState(lastId === null ? "connecting" : "retrying");
      try {
        const headers: Record<string, string> = { ...opts.headers, Accept: "text/event-stream" };
        if (lastId !== null) headers["Last-Event-ID"] = lastId;
        const res = await fetchImpl(opts.url, { headers, signal: ctl.signal });
        if (res.status === 404 || res.status === 405) {
          opts.onState("unavailable");
          return;
        }
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        opts.onState("live");
        delay = opts.baseDelayMs ?? 1000;
        const parser = new SseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const ev of parser.push(value)) opts.onEvent(ev);
          lastId = parser.lastId ?? lastId;
        }
      } catch {
        if (stopped) return;
      }
      if (stopped) return;
      opts.onState("retrying");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  };
  void run();
  return {
    stop: () => {
      stopped = true;
      ctl.abort();
    },
  };
}
