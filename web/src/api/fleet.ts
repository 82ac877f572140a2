// Loading whole listings (pages of 500 until the cursor runs out, capped).
import type { Api, Query } from "./client";
import type { Page } from "./types";

export type Kind = "groups" | "agents" | "instances" | "replicas" | "commands" | "switches";

export async function listAll<T>(api: Api, kind: Kind, query: Query = {}, maxPages = 10): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const res: Page<T> = await api.get<Page<T>>(`/api/${kind}`, { ...api.scope(), ...query, limit: 500, after });
    out.push(...res.items);
    if (!res.next_cursor) break;
    after = res.next_cursor;
  }
  return out;
}
