// Reading the gateway's OpenAPI document (`GET /openapi.json`, generated
// from the handlers' annotations) for the API explorer: every operation
// grouped by tag, `$ref`s resolved, schemas shown as short type text and
// as an example body, and the URL of a try-it request.

export type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
};

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Media {
  schema?: Schema;
}

export interface RequestBody {
  description?: string;
  required?: boolean;
  content?: Record<string, Media>;
}

export interface ResponseSpec {
  description?: string;
  content?: Record<string, Media>;
  $ref?: string;
}

interface OperationSpec {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: RequestBody | { $ref: string };
  responses?: Record<string, ResponseSpec>;
}

export interface OpenApiDoc {
  openapi?: string;
  info?: { title?: string; version?: string; description?: string };
  paths: Record<string, Record<string, OperationSpec | Parameter[] | undefined>>;
  components?: { schemas?: Record<string, Schema>; responses?: Record<string, ResponseSpec>; parameters?: Record<string, Parameter>; requestBodies?: Record<string, RequestBody> };
}

export interface Operation {
  /** `GET /api/x`: unique in a document. */
  id: string;
  method: string;
  path: string;
  tag: string;
  summary: string;
  description: string;
  parameters: Parameter[];
  body: { contentType: string; schema: Schema | undefined; required: boolean; description: string } | null;
  responses: { status: string; description: string; contentType: string | null; schema: Schema | undefined }[];
}

export const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

/** The object a local `#/components/...` reference names (undefined when it names nothing). */
export function resolveRef<T>(doc: OpenApiDoc, ref: string): T | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let at: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at as T | undefined;
}

function deref<T extends object>(doc: OpenApiDoc, v: T | { $ref: string } | undefined): T | undefined {
  if (v && "$ref" in v && typeof v.$ref === "string") return resolveRef<T>(doc, v.$ref);
  return v as T | undefined;
}

/** Every operation of the document, in path order, methods in a fixed order. */
export function operations(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const path of Object.keys(doc.paths ?? {}).sort()) {
    const item = doc.paths[path] ?? {};
    const shared = ((item.parameters as Parameter[] | undefined) ?? []).map((p) => deref<Parameter>(doc, p)).filter((p): p is Parameter => !!p);
    for (const method of METHODS) {
      const op = item[method] as OperationSpec | undefined;
      if (!op) continue;
      const own = (op.parameters ?? []).map((p) => deref<Parameter>(doc, p)).filter((p): p is Parameter => !!p);
      const names = new Set(own.map((p) => `${p.in}:${p.name}`));
      const parameters = [...shared.filter((p) => !names.has(`${p.in}:${p.name}`)), ...own];
      const rb = deref<RequestBody>(doc, op.requestBody);
      const [contentType, media] = Object.entries(rb?.content ?? {})[0] ?? [];
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => {
          const res = deref<ResponseSpec>(doc, r) ?? {};
          const [ct, m] = Object.entries(res.content ?? {})[0] ?? [];
          return { status, description: res.description ?? "", contentType: ct ?? null, schema: m?.schema };
        })
        .sort((a, b) => a.status.localeCompare(b.status));
      out.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        tag: op.tags?.[0] ?? "other",
        summary: op.summary ?? "",
        description: op.description ?? "",
        parameters,
        body: rb ? { contentType: contentType ?? "application/json", schema: media?.schema, required: !!rb.required, description: rb.description ?? "" } : null,
        responses,
      });
    }
  }
  return out;
}

/** Operations by tag, tags in alphabetical order. */
export function byTag(ops: Operation[]): [string, Operation[]][] {
  const groups = new Map<string, Operation[]>();
  for (const op of ops) groups.set(op.tag, [...(groups.get(op.tag) ?? []), op]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Operations whose method, path, tag or summary contains every word of `filter`. */
export function matching(ops: Operation[], filter: string): Operation[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return ops;
  return ops.filter((op) => {
    const text = `${op.method} ${op.path} ${op.tag} ${op.summary}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

function refName(ref: string): string {
  return ref.split("/").pop() ?? ref;
}

function types(s: Schema): string[] {
  return Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
}

/** A schema as short type text: `{ items: Row[], next_cursor: string | null }`. */
export function typeText(doc: OpenApiDoc, s: Schema | undefined, depth = 0): string {
  if (!s) return "any";
  if (s.$ref) {
    if (depth >= 2) return refName(s.$ref);
    const target = resolveRef<Schema>(doc, s.$ref);
    return target ? typeText(doc, target, depth + 1) : refName(s.$ref);
  }
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return alts.map((a) => typeText(doc, a, depth)).join(" | ");
  if (s.allOf) return s.allOf.map((a) => typeText(doc, a, depth)).join(" & ");
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(" | ");
  const t = types(s);
  const nullable = t.includes("null") || s.nullable ? " | null" : "";
  const base = t.filter((x) => x !== "null");
  if (base.includes("array")) return `${typeText(doc, s.items, depth)}[]${nullable}`;
  if (base.includes("object") || s.properties) {
    const props = Object.entries(s.properties ?? {});
    if (!props.length) return `object${nullable}`;
    if (depth >= 3) return `{…}${nullable}`;
    const req = new Set(s.required ?? []);
    const inner = props.map(([k, v]) => `${k}${req.has(k) ? "" : "?"}: ${typeText(doc, v, depth + 1)}`).join(", ");
    return `{ ${inner} }${nullable}`;
  }
  return `${base.join(" | ") || "any"}${s.format ? ` (${s.format})` : ""}${nullable}`;
}

/** An example value of a schema, for a request body to start editing from. */
export function exampleOf(doc: OpenApiDoc, s: Schema | undefined, depth = 0): unknown {
  if (!s || depth > 6) return null;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.$ref) return exampleOf(doc, resolveRef<Schema>(doc, s.$ref), depth + 1);
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return exampleOf(doc, alts.find((a) => !types(a).includes("null")) ?? alts[0], depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((a) => exampleOf(doc, a, depth + 1)));
  if (s.enum) return s.enum[0];
  const t = types(s).filter((x) => x !== "null");
  if (t.includes("object") || s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) out[k] = exampleOf(doc, v, depth + 1);
    return out;
  }
  if (t.includes("array")) return [];
  if (t.includes("integer") || t.includes("number")) return s.minimum ?? 0;
  if (t.includes("boolean")) return false;
  if (t.includes("string")) return s.format === "date-time" ? new Date(0).toISOString() : s.format === "uuid" ? "00000000-0000-0000-0000-000000000000" : "";
  return null;
}

/** The request URL: path parameters substituted (encoded), empty query values left out. */
export function requestUrl(op: Operation, values: Record<string, string>): string {
  let path = op.path;
  const query = new URLSearchParams();
  for (const p of op.parameters) {
    const v = values[`${p.in}:${p.name}`] ?? "";
    if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(v));
    else if (p.in === "query" && v !== "") query.set(p.name, v);
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Path parameters that are required but empty (the request cannot be sent). */
export function missing(op: Operation, values: Record<string, string>): string[] {
  return op.parameters.filter((p) => (p.in === "path" || p.required) && p.in !== "header" && !(values[`${p.in}:${p.name}`] ?? "").trim()).map((p) => p.name);
}
