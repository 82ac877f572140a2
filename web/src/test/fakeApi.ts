// A fetch stand-in for component tests: routes by method and path to
// canned JSON answers; records every call.
import { Api } from "../api/client";
import type { Session } from "../api/session";

export type Handler = (url: URL, init: RequestInit | undefined) => { status?: number; body?: unknown } | undefined;

export interface FakeApi {
  api: Api;
  calls: { method: string; url: URL; body: unknown; headers: Record<string, string> }[];
}

export function fakeApi(routes: Record<string, unknown | Handler>, session: Partial<Session> = {}): FakeApi {
  const calls: FakeApi["calls"] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://test.local");
    const method = (init?.method ?? "GET").toUpperCase();
    calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined, headers: (init?.headers ?? {}) as Record<string, string> });
    const route = routes[`${method} ${url.pathname}`] ?? routes[url.pathname];
    let answer: { status?: number; body?: unknown } | undefined;
    if (typeof route === "function") answer = (route as Handler)(url, init);
    else if (route !== undefined) answer = { body: route };
    if (!answer) answer = { status: 404, body: { error: { code: "route_not_found", message: `no route for ${method} ${url.pathname}` } } };
    return new Response(JSON.stringify(answer.body ?? {}), { status: answer.status ?? 200, headers: { "Content-Type": "application/json" } });
  };
  const api = new Api({ token: "t0k3n", role: "tenant", clientId: "c-1", ...session }, fetchImpl as typeof fetch);
  return { api, calls };
}
