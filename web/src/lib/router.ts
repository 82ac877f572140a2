// A small history router: the gateway answers every non-/api path with the
// app, so paths survive reloads and can be shared.
import { useEffect, useState } from "react";

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function usePath(): string {
  const [path, setPath] = useState(() => location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    window.addEventListener("popstate", on);
    return () => window.removeEventListener("popstate", on);
  }, []);
  return path;
}

export type Route =
  | { view: "fleet" }
  | { view: "group"; groupId: string }
  | { view: "prices" }
  | { view: "savings" }
  | { view: "emergencies" }
  | { view: "models" }
  | { view: "notifications" }
  | { view: "explorer" };

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter(Boolean);
  switch (parts[0]) {
    case "groups":
      return parts[1] ? { view: "group", groupId: decodeURIComponent(parts[1]) } : { view: "fleet" };
    case "prices":
    case "savings":
    case "emergencies":
    case "models":
    case "notifications":
      return { view: parts[0] };
    case "api-explorer":
      return { view: "explorer" };
    default:
      return { view: "fleet" };
  }
}
