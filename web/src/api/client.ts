// Thin fetch wrapper: bearer token, JSON in and out, the gateway's error
// body (`{"error": {"code", "message"}}` or the field dashboard's
// `{"error": "...", "code": "..."}`) turned into an ApiError.
import type { Session } from "./session";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** The path does not exist on this gateway (an optional API not deployed). */
  get missingRoute(): boolean {
    return this.status === 404 && this.code === "route_not_found";
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body && typeof body.error === "object" && body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    } else if (body && typeof body.error === "string") {
      message = body.error;
      code = body.code ?? code;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

/** What a request answered, untouched. */
export interface RawAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  text: string;
  ms: number;
}

export class Api {
  constructor(
    readonly session: Session,
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {}

  /** Query parameters naming the tenant for admin-token calls. */
  scope(): Query {
    return this.session.role === "admin" && this.session.clientId ? { client_id: this.session.clientId } : {};
  }

  headers(extra?: Record<string, string>): Record<string, string> {
    return { Authorization: `Bearer ${this.session.token}`, Accept: "application/json", ...extra };
  }

  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; requestId?: string } = {}): Promise<T> {
    const headers = this.headers(opts.body !== undefined ? { "Content-Type": "application/json" } : undefined);
    if (opts.requestId) headers["X-Request-ID"] = opts.requestId;
    const res = await this.fetchImpl(withQuery(path, opts.query), {
      method,
      headers,
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
    if (!res.ok) throw await errorOf(res);
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A request answered as is, whatever its status (the API explorer's try-it). */
  async raw(method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
    const headers = this.headers(opts.body !== undefined ? { "Content-Type": "application/json", ...opts.headers } : opts.headers);
    const started = performance.now();
    const res = await this.fetchImpl(path, { method, headers, body: opts.body });
    const text = await res.text();
    const answerHeaders: [string, string][] = [];
    res.headers.forEach((v, k) => answerHeaders.push([k, v]));
    return { status: res.status, statusText: res.statusText, headers: answerHeaders, text, ms: performance.now() - started };
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }
  post<T>(path: string, body?: unknown, query?: Query, requestId?: string): Promise<T> {
    return this.request<T>("POST", path, { body: body ?? {}, query, requestId });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }
}

/** A fresh idempotency key for one user action (retries reuse it). */
export function requestId(): string {
  return crypto.randomUUID();
}
