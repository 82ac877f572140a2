import { describe, expect, it } from "vitest";
import { openStream, SseParser, type StreamState } from "./sse";
import type { LiveEvent } from "../api/types";

describe("SseParser", () => {
  it("reads events split across chunks, skips keep-alives, remembers the id", () => {
    const p = new SseParser();
    expect(p.push(": keep-alive\n\nid: 4\nevent: agent.status_changed\nda")).toEqual([]);
    const out = p.push('ta: {"kind":"agent.status_changed","agent_id":"a","status":"online"}\n\nid: 5\r\nevent: reset\r\ndata: {}\r\n\r\n');
    expect(out).toEqual([
      { id: "4", kind: "agent.status_changed", data: { kind: "agent.status_changed", agent_id: "a", status: "online" } },
      { id: "5", kind: "reset", data: {} },
    ]);
    expect(p.lastId).toBe("5");
  });
  it("skips a message whose data is not JSON and goes on", () => {
    const p = new SseParser();
    expect(p.push("event: x\ndata: {oops\n\nevent: y\ndata: {\"a\":1}\n\n")).toEqual([{ id: null, kind: "y", data: { a: 1 } }]);
  });
});

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

function streamOf(text: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const t of text) c.enqueue(enc.encode(t));
      c.close();
    },
  });
}

describe("openStream", () => {
  it("reports unavailable on 404 and does not retry", async () => {
    let calls = 0;
    const states: StreamState[] = [];
    const fetchImpl = (async () => {
      calls++;
      return new Response("{}", { status: 404 });
    }) as typeof fetch;
    const s = openStream({ url: "/api/events/stream", headers: {}, onEvent: () => {}, onState: (x) => states.push(x), fetchImpl, baseDelayMs: 1 });
    await until(() => states.includes("unavailable"));
    await new Promise((r) => setTimeout(r, 20));
    s.stop();
    expect(calls).toBe(1);
    expect(states.at(-1)).toBe("unavailable");
  });
  it("delivers events, sends the bearer header, resumes with Last-Event-ID", async () => {
    const seen: LiveEvent[] = [];
    const headers: Record<string, string>[] = [];
    const fetchImpl = (async (_url: string, init: RequestInit) => {
      headers.push(init.headers as Record<string, string>);
      if (headers.length === 1) return new Response(streamOf(['id: 9\nevent: switch.executed\ndata: {"group_id":"g"}\n\n']), { status: 200 });
      return new Response(streamOf([]), { status: 200 });
    }) as unknown as typeof fetch;
    const s = openStream({ url: "/s", headers: { Authorization: "Bearer x" }, onEvent: (e) => seen.push(e), onState: () => {}, fetchImpl, baseDelayMs: 1 });
    await until(() => headers.length >= 2);
    s.stop();
    expect(seen).toEqual([{ id: "9", kind: "switch.executed", data: { group_id: "g" } }]);
    expect(headers[0].Authorization).toBe("Bearer x");
    expect(headers[0]["Last-Event-ID"]).toBeUndefined();
    expect(headers[1]["Last-Event-ID"]).toBe("9");
  });
});
