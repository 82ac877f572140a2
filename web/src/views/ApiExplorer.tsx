// The API explorer (docs/OPERATORS_API.md, "API explorer"): the gateway's
// own `/openapi.json`, every path grouped by tag with its parameters, body
// and every status it answers, and a try-it form that sends the request
// with the signed-in operator's token. Part of the embedded app: nothing is
// loaded from anywhere else.
import { useMemo, useState } from "react";
import type { Api, RawAnswer } from "../api/client";
import { requestId } from "../api/client";
import { ErrorNote, useFetch } from "../components/useFetch";
import { byTag, exampleOf, matching, missing, operations, requestUrl, typeText, type OpenApiDoc, type Operation } from "../lib/openapi";

export function ApiExplorer({ api }: { api: Api }) {
  const doc = useFetch(() => api.get<OpenApiDoc>("/openapi.json"), [api]);
  const [filter, setFilter] = useState("");
  const ops = useMemo(() => (doc.data ? operations(doc.data) : []), [doc.data]);
  const shown = useMemo(() => byTag(matching(ops, filter)), [ops, filter]);
  const paths = doc.data ? Object.keys(doc.data.paths ?? {}).length : 0;

  return (
    <section aria-labelledby="explorer-h">
      <div className="view-head">
        <h2 id="explorer-h">API explorer</h2>
        {doc.data && (
          <p className="summary" data-testid="explorer-summary">
            {doc.data.info?.title ?? "API"} {doc.data.info?.version ?? ""}: {paths} paths, {ops.length} operations ·{" "}
            <a href="/openapi.json" target="_blank" rel="noreferrer">
              openapi.json
            </a>
          </p>
        )}
      </div>
      <ErrorNote error={doc.error} />
      {doc.loading && !doc.data && <p className="muted">Loading the API document…</p>}
      {doc.data && (
        <>
          <div className="toolbar">
            <label>
              Filter{" "}
              <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="path, method, tag or summary" aria-label="Filter operations" />
            </label>
            <span className="muted">Requests are sent with your token{api.session.role === "admin" ? " (admin)" : ""}.</span>
          </div>
          {shown.length === 0 && <p className="muted">No operation matches.</p>}
          {shown.map(([tag, list]) => (
            <article className="card" key={tag} aria-labelledby={`tag-${tag}`} data-testid="explorer-tag" data-tag={tag}>
              <h3 id={`tag-${tag}`}>
                {tag} <span className="muted">({list.length})</span>
              </h3>
              <ul className="operations">
                {list.map((op) => (
                  <OperationItem key={op.id} api={api} doc={doc.data as OpenApiDoc} op={op} />
                ))}
              </ul>
            </article>
          ))}
        </>
      )}
    </section>
  );
}

function OperationItem({ api, doc, op }: { api: Api; doc: OpenApiDoc; op: Operation }) {
  const [open, setOpen] = useState(false);
  return (
    <li data-testid="explorer-op" data-op={op.id}>
      <button type="button" className="op-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className={`method method-${op.method.toLowerCase()}`}>{op.method}</span> <code>{op.path}</code> <span className="muted">{op.summary}</span>
      </button>
      {open && <OperationDetail api={api} doc={doc} op={op} />}
    </li>
  );
}

function OperationDetail({ api, doc, op }: { api: Api; doc: OpenApiDoc; op: Operation }) {
  const initial = useMemo(() => {
    const v: Record<string, string> = {};
    // An admin's tenant-scoped call needs the tenant: start from the one picked.
    if (api.session.role === "admin" && api.session.clientId && op.parameters.some((p) => p.in === "query" && p.name === "client_id")) v["query:client_id"] = api.session.clientId;
    return v;
  }, [api, op]);
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [body, setBody] = useState(() => (op.body ? JSON.stringify(exampleOf(doc, op.body.schema), null, 2) : ""));
  const [withRequestId, setWithRequestId] = useState(false);
  const [answer, setAnswer] = useState<RawAnswer | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const lacking = missing(op, values);
  const url = requestUrl(op, values);
  const writes = op.method !== "GET" && op.method !== "HEAD";

  const send = async () => {
    setSending(true);
    setError(null);
    try {
      const headers: Record<string, string> = {};
      for (const p of op.parameters) {
        const v = values[`header:${p.name}`];
        if (p.in === "header" && v && p.name.toLowerCase() !== "authorization") headers[p.name] = v;
      }
      if (withRequestId && !headers["X-Request-ID"]) headers["X-Request-ID"] = requestId();
      setAnswer(await api.raw(op.method, url, { body: op.body && body.trim() ? body : undefined, headers }));
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="op-detail">
      {op.description && <p>{op.description}</p>}
      <h4>Parameters</h4>
      {op.parameters.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="grid" aria-label={`Parameters of ${op.id}`}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">In</th>
              <th scope="col">Type</th>
              <th scope="col">Description</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {op.parameters.map((p) => {
              const key = `${p.in}:${p.name}`;
              return (
                <tr key={key}>
                  <td>
                    <code>{p.name}</code>
                    {(p.required || p.in === "path") && <span className="error"> *</span>}
                  </td>
                  <td>{p.in}</td>
                  <td>
                    <code>{typeText(doc, p.schema)}</code>
                  </td>
                  <td>{p.description}</td>
                  <td>
                    <input aria-label={`${p.name} (${p.in})`} value={values[key] ?? ""} onChange={(e) => setValues({ ...values, [key]: e.target.value })} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {op.body && (
        <>
          <h4>
            Request body <span className="muted">{op.body.contentType}</span>
          </h4>
          <p>
            <code className="schema">{typeText(doc, op.body.schema)}</code>
          </p>
        </>
      )}
      <h4>Responses</h4>
      <table className="grid" aria-label={`Responses of ${op.id}`}>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Description</th>
            <th scope="col">Body</th>
          </tr>
        </thead>
        <tbody>
          {op.responses.map((r) => (
            <tr key={r.status} data-testid="explorer-response" data-status={r.status}>
              <td>{r.status}</td>
              <td>{r.description}</td>
              <td>{r.contentType ? <code className="schema">{typeText(doc, r.schema)}</code> : <span className="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Try it</h4>
      <form
        className="try-it"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        {op.body && (
          <label>
            Body
            <textarea aria-label="Request body" rows={Math.min(14, body.split("\n").length + 1)} value={body} onChange={(e) => setBody(e.target.value)} spellCheck={false} />
          </label>
        )}
        {writes && (
          <label className="check">
            <input type="checkbox" checked={withRequestId} onChange={(e) => setWithRequestId(e.target.checked)} /> send a fresh <code>X-Request-ID</code>
          </label>
        )}
        <div className="toolbar">
          <button type="submit" disabled={sending || lacking.length > 0}>
            Send {op.method}
          </button>
          <code data-testid="explorer-url">{url}</code>
          {lacking.length > 0 && <span className="muted">needs {lacking.join(", ")}</span>}
        </div>
      </form>
      <ErrorNote error={error} />
      {answer && <AnswerView answer={answer} />}
    </div>
  );
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function AnswerView({ answer }: { answer: RawAnswer }) {
  const ok = answer.status >= 200 && answer.status < 300;
  return (
    <div className="answer" data-testid="explorer-answer" data-status={answer.status}>
      <p>
        <strong className={ok ? "ok" : "error"}>
          {answer.status} {answer.statusText}
        </strong>{" "}
        <span className="muted">in {Math.round(answer.ms)} ms</span>
      </p>
      <details>
        <summary>Headers ({answer.headers.length})</summary>
        <pre>{answer.headers.map(([k, v]) => `${k}: ${v}`).join("\n")}</pre>
      </details>
      <pre className="answer-body">{pretty(answer.text) || "(empty body)"}</pre>
    </div>
  );
}
