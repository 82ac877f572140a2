//! What the edge layers add to every route, written into the OpenAPI
//! document once instead of into each annotation (docs/HARDENING.md):
//! the statuses of the edge limits on every operation (a route documents
//! its own text for them when it has one); every write takes an optional
//! `X-Request-ID` and may answer 422 `idempotency_key_reused` or 409
//! `idempotency_request_in_progress`; and the links from a create to the
//! routes that use what it made, which the stateful API fuzzer follows.

use super::responses::error_response;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};

/// The modifier named in the document's `#[openapi(modifiers(..))]`.
#[derive(Debug)]
pub struct EdgeLayers;

fn request_id_header() -> RefOr<utoipa::openapi::path::Parameter> {
    ParameterBuilder::new()
        .name("X-Request-ID")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Idempotency key: a retry with the same key and request gets the first answer again",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(crate::http::limits::MAX_REQUEST_ID))
                .pattern(Some("^[!-~]*$")),
        ))
        .build()
        .into()
}

/// Answers any request may get before its handler runs.
const EDGE: &[(&str, &str)] = &[
    ("400", "Invalid input, e.g. an X-Request-ID over 200 characters (invalid_field)"),
    ("413", "Body larger than the route accepts (payload_too_large)"),
    ("414", "Path and query longer than 4 KiB (uri_too_long)"),
    ("429", "The tenant or the agent is over its request rate (rate_limited); retry after Retry-After"),
    ("431", "Headers larger than 16 KiB together (headers_too_large)"),
    (
        "503",
        "Overloaded: no admission slot came free in time (overloaded); a backing service is unavailable; or the request timed out (request_timeout). Retry after Retry-After",
    ),
];

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
}

fn document_edge(op: &mut Operation) {
    for (status, description) in EDGE {
        op.responses.responses.entry((*status).into()).or_insert_with(|| error_response(description));
    }
}

fn writes(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
}

fn document_write(op: &mut Operation) {
    let params = op.parameters.get_or_insert_with(Vec::new);
    let named = |p: &RefOr<utoipa::openapi::path::Parameter>| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("x-request-id"));
    if !params.iter().any(named) {
        params.push(request_id_header());
    }
    let responses = &mut op.responses.responses;
    responses.entry("422".into()).or_insert_with(|| {
        error_response("X-Request-ID reused with a different request (idempotency_key_reused); invalid input")
    });
    responses.entry("409".into()).or_insert_with(|| {
        error_response(
            "Conflicts with the current state, or the first request with this X-Request-ID still runs",
        )
    });
}

/// `(from path, from method, body pointer, parameter)`: what a create
/// answers and which path parameter it fills.
const SOURCES: &[(&str, &str, &str, &str)] = &[
    ("/api/agents/register", "post", "/agent_id", "agent_id"),
    ("/api/agents/{agent_id}/replicas", "post", "/replica_id", "replica_id"),
    ("/api/agents/{agent_id}/issue-switch-command", "post", "/command_id", "command_id"),
    // WebhookCreated flattens the webhook: its id is at the top.
    ("/api/webhooks", "post", "/id", "id"),
];

fn operation_ref(path: &str, method: &str) -> String {
    format!("#/paths/{}/{method}", path.replace('~', "~0").replace('/', "~1"))
}

fn add_links(doc: &mut OpenApi) {
    let mut targets: Vec<(String, &'static str)> = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("patch", &item.patch),
            ("delete", &item.delete),
        ] {
            if op.is_some() {
                targets.push((path.clone(), method));
            }
        }
    }
    for (from_path, from_method, pointer, param) in SOURCES {
        let wanted = format!("{{{param}}}");
        let mut links = Vec::new();
        for (path, method) in &targets {
            // `{id}` belongs to the webhook routes only.
            if !path.contains(&wanted) || (*param == "id" && !path.starts_with("/api/webhooks/")) {
                continue;
            }
            let mut link = LinkBuilder::new()
                .operation_ref(operation_ref(path, method))
                .parameter(*param, format!("$response.body#{pointer}"));
            // The agent of a replica or command is the one in the create's path.
            if *param != "agent_id" && path.contains("{agent_id}") {
                link = link.parameter("agent_id", "$request.path.agent_id");
            }
            let name = format!("{method}{}", path.replace(['/', '{', '}', '-'], "_"));
            links.push((name, link.build()));
        }
        let item = doc.paths.paths.get_mut(*from_path);
        let op = item.and_then(|i| if *from_method == "post" { i.post.as_mut() } else { None });
        let Some(op) = op else { continue };
        for (status, response) in op.responses.responses.iter_mut() {
            if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                for (name, link) in &links {
                    response.links.insert(name.clone(), link.clone().into());
                }
            }
        }
    }
}

impl utoipa::Modify for EdgeLayers {
    fn modify(&self, doc: &mut OpenApi) {
        for item in doc.paths.paths.values_mut() {
            operations(item).for_each(document_edge);
            writes(item).for_each(document_write);
        }
        add_links(doc);
    }
}
