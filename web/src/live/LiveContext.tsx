// One live stream per session, shared by every view: views subscribe to
// event kinds and refetch what changed. Without a stream on the gateway
// (404) the views fall back to a slow refresh timer (`useLiveRefresh`).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { Api } from "../api/client";
import { withQuery } from "../api/client";
import type { LiveEvent } from "../api/types";
import { openStream, type StreamState } from "./sse";

type Listener = (e: LiveEvent) => void;

interface Live {
  state: StreamState;
  subscribe: (kinds: string[] | "*", fn: Listener) => () => void;
}

const LiveCtx = createContext<Live>({ state: "unavailable", subscribe: () => () => {} });

export function LiveProvider({ api, children }: { api: Api; children: ReactNode }) {
  const [state, setState] = useState<StreamState>("connecting");
  const listeners = useRef(new Set<{ kinds: string[] | "*"; fn: Listener }>());

  useEffect(() => {
    const stream = openStream({
      url: withQuery("/api/events/stream", api.scope()),
      headers: api.headers(),
      onState: setState,
      onEvent: (e) => {
        for (const l of listeners.current) {
          if (l.kinds === "*" || l.kinds.includes(e.kind) || e.kind === "reset") l.fn(e);
        }
      },
    });
    return () => stream.stop();
  }, [api]);

  const subscribe = useCallback((kinds: string[] | "*", fn: Listener) => {
    const entry = { kinds, fn };
    listeners.current.add(entry);
    return () => {
      listeners.current.delete(entry);
    };
  }, []);
  const value = useMemo(() => ({ state, subscribe }), [state, subscribe]);

  return <LiveCtx.Provider value={value}>{children}</LiveCtx.Provider>;
}

export function useLive(): Live {
  return useContext(LiveCtx);
}

/**
 * Calls `refresh` when one of `kinds` arrives (debounced to 250 ms so a
 * burst is one refetch); while the gateway has no stream, every
 * `fallbackMs` instead.
 */
export function useLiveRefresh(kinds: string[], refresh: () => void, fallbackMs = 5000): void {
  const { state, subscribe } = useLive();
  const latest = useRef(refresh);
  latest.current = refresh;
  const key = kinds.join(",");
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = subscribe(key.split(","), () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        latest.current();
      }, 250);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [key, subscribe]);
  useEffect(() => {
    if (state !== "unavailable") return;
    const t = setInterval(() => latest.current(), fallbackMs);
    return () => clearInterval(t);
  }, [state, fallbackMs]);
}
