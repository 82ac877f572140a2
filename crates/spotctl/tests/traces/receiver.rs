//! An in-process OTLP/gRPC trace receiver: the collector the services
//! export to during the test, keeping every span it is sent.

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One received span, flattened for assertions.
#[derive(Debug, Clone)]
pub struct Received {
    pub trace_id: String,
    pub span_id: String,
    pub parent: Option<String>,
    pub name: String,
    pub start: u64,
    pub attributes: BTreeMap<String, String>,
}

impl Received {
    fn from_proto(s: Span) -> Self {
        let attributes = s
            .attributes
            .into_iter()
            .filter_map(|kv| {
                let value = match kv.value?.value? {
                    Value::StringValue(v) => v,
                    Value::IntValue(v) => v.to_string(),
                    Value::BoolValue(v) => v.to_string(),
                    Value::DoubleValue(v) => v.to_string(),
                    other => format!("{other:?}"),
                };
                Some((kv.key, value))
            })
            .collect();
        Self {
            trace_id: hex(&s.trace_id),
            span_id: hex(&s.span_id),
            parent: (!s.parent_span_id.is_empty()).then(|| hex(&s.parent_span_id)),
            name: s.name,
            start: s.start_time_unix_nano,
            attributes,
        }
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The receiver; clones share the spans.
#[derive(Debug, Clone, Default)]
pub struct Receiver {
    spans: Arc<Mutex<Vec<Received>>>,
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans = request
            .into_inner()
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
            .flat_map(|s| s.spans)
            .map(Received::from_proto);
        self.spans.lock().map_err(|_| tonic::Status::internal("poisoned"))?.extend(spans);
        Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

impl Receiver {
    /// Serves on a free local port; returns the endpoint URL.
    pub async fn start(&self) -> anyhow::Result<String> {
        let listener = tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse()?)?;
        let addr = listener.local_addr()?;
        let service = TraceServiceServer::new(self.clone());
        tokio::spawn(async move {
            let _ =
                tonic::transport::Server::builder().add_service(service).serve_with_incoming(listener).await;
        });
        Ok(format!("http://{addr}"))
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Received> {
        self.spans.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The spans of `trace_id` as an indented tree, children in start order.
pub fn tree(spans: &[Received], trace_id: &str) -> String {
    let in_trace: Vec<&Received> = spans.iter().filter(|s| s.trace_id == trace_id).collect();
    let ids: std::collections::HashSet<&str> = in_trace.iter().map(|s| s.span_id.as_str()).collect();
    let mut roots: Vec<&Received> =
        in_trace.iter().copied().filter(|s| s.parent.as_deref().is_none_or(|p| !ids.contains(p))).collect();
    roots.sort_by_key(|s| s.start);
    let mut out = format!("trace {trace_id}\n");
    for root in roots {
        write_node(&in_trace, root, 1, &mut out);
    }
    out
}

fn write_node(spans: &[&Received], node: &Received, depth: usize, out: &mut String) {
    const SHOWN: [&str; 8] = [
        "service",
        "consumer",
        "http.route",
        "http.response.status_code",
        "tenant.id",
        "rpc.grpc.status_code",
        "messaging.destination.name",
        "size",
    ];
    let details: Vec<String> =
        SHOWN.iter().filter_map(|k| node.attr(k).map(|v| format!("{k}={v}"))).collect();
    out.push_str(&format!("{}{} [{}]\n", "  ".repeat(depth), node.name, details.join(" ")));
    let mut children: Vec<&&Received> =
        spans.iter().filter(|s| s.parent.as_deref() == Some(node.span_id.as_str())).collect();
    children.sort_by_key(|s| s.start);
    for child in children {
        write_node(spans, child, depth + 1, out);
    }
}

/// Span ids on the path from `span` up to its trace's root.
pub fn ancestors<'a>(spans: &'a [Received], span: &'a Received) -> Vec<&'a Received> {
    let mut path = vec![span];
    let mut current = span;
    while let Some(parent) = current.parent.as_deref() {
        match spans.iter().find(|s| s.span_id == parent && s.trace_id == current.trace_id) {
            Some(p) => {
                path.push(p);
                current = p;
            }
            None => break,
        }
    }
    path
}
