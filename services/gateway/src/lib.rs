//! Gateway service: the HTTP edge for agents (the v4 protocol, unmodified)
//! and operators (admin and tenant APIs). It owns tenants, hashed API
//! tokens, the agent -> tenant map and idempotency keys (`gateway` schema).
//!
//! Agent reports are published to JetStream and answered only after the ack;
//! answers an agent waits on come from the owning service over gRPC. The
//! gateway must not read another service's tables. It also turns bus events
//! into tenants' notifications, webhook deliveries and the live SSE stream
//! (docs/NOTIFICATIONS.md, docs/EVENTS.md).

pub mod asyncapi;
pub mod auth;
pub mod cache;
pub mod decisions_client;
pub mod emergency_client;
pub mod error;
pub mod http;
pub mod invalidation;
pub mod lifecycle_client;
pub mod live;
pub mod notify;
pub mod openapi;
pub mod pricing_client;
pub mod routes;
pub mod settings;
pub mod state;
pub mod store;
pub mod sweep;
mod upstream;
pub mod web_app;
pub mod webhooks;
pub mod wire;

use actix_web::{App, HttpServer, web};
use settings::GatewaySettings;
use spot_platform::http::{first_addr, ops_routes, spawn_server};
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};

/// Service name.
pub const NAME: &str = "gateway";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "gateway";

/// This service's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    migration!("gateway", 1, "0001_tenants"),
    migration!("gateway", 2, "0002_notifications"),
    migration!("gateway", 3, "0003_webhooks"),
    migration!("gateway", 4, "0004_tenant_admin"),
    migration!("gateway", 5, "0005_agent_deletion"),
    migration!("gateway", 6, "0006_idempotency"),
];

/// Starts the HTTP server; returns once it is listening.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let own = GatewaySettings::load(settings)?;
    let mut svc = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let state = state::AppState::new(&svc, &own)?;
    svc.spawn(invalidation::run(state.clone(), shutdown.clone()));
    svc.spawn(sweep::run(state.clone(), shutdown.clone()));
    // Live updates, notifications and webhooks (docs/NOTIFICATIONS.md).
    svc.spawn(live::listener::run(svc.bus.clone(), state.live.clone(), shutdown.clone()));
    for subscription in notify::consumer::subscriptions() {
        let notifier = notify::consumer::Notifier {
            durable: subscription.durable,
            db: svc.db.clone(),
            bus: svc.bus.clone(),
            wake: state.webhook_wake.clone(),
        };
        svc.spawn_consumer(subscription, notifier);
    }
    let worker = webhooks::worker::Worker::new(
        svc.db.clone(),
        own.webhook_retry,
        own.webhook_timeout,
        state.webhook_wake.clone(),
        webhooks::tls::extra_roots(own.webhook_ca_file.as_deref()).map_err(StartError::other)?,
    )
    .map_err(StartError::other)?;
    svc.spawn(worker.run(shutdown.clone()));
    // The gateway's inbox (notification consumers) is pruned like every service's.
    svc.spawn(spot_platform::store::retention::run(
        svc.db.clone(),
        SCHEMA,
        settings.dedup_retention,
        shutdown.clone(),
    ));
    // Abuse limits (docs/HARDENING.md): idle rate buckets and old
    // idempotency keys are pruned in the background.
    svc.spawn(state.rates.clone().run_pruning(shutdown.clone()));
    let keys = http::idempotency::Idempotency { db: svc.db.clone(), limits: own.limits };
    svc.spawn(keys.clone().run_pruning(shutdown.clone()));
    let limits = own.limits;
    let ops = svc.ops_state();
    let labels = std::sync::Arc::new(routes::labels::RouteLabels::gateway());
    // Load shedding (docs/HARDENING.md): one set of budgets per process,
    // shared by every worker.
    let admission_metrics =
        http::admission::AdmissionMetrics::register(&ops.metrics.registry).map_err(StartError::other)?;
    let admission = http::admission::Admission::new(own.admission, labels.clone(), &admission_metrics);
    let server = HttpServer::new(move || {
        let state = state.clone();
        let ops = ops.clone();
        let metrics = ops.metrics.clone();
        let labels = labels.clone();
        let keys = keys.clone();
        let admission = admission.clone();
        App::new()
            // Per-route limits are enforced by `http::limits::guard`; this is the largest.
            .app_data(web::PayloadConfig::new(limits.largest_body()))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| error::ApiError::InvalidField(format!("query string: {e}")).into()),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| error::ApiError::InvalidField(format!("path: {e}")).into()),
            )
            .wrap(routes::fallback::json_errors())
            // Innermost first: the handler's time limit, the idempotency
            // layer, then the edge limits and the admission slot
            // (docs/HARDENING.md).
            .wrap(actix_web::middleware::from_fn({
                let labels = labels.clone();
                move |req, next| http::limits::timeout(limits, labels.clone(), req, next)
            }))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                http::idempotency::layer(keys.clone(), req, next)
            }))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                http::limits::guard(limits, admission.clone(), req, next)
            }))
            .wrap(actix_web::middleware::from_fn({
                let labels = labels.clone();
                move |req, next| routes::metrics::record(metrics.clone(), labels.clone(), req, next)
            }))
            // Outermost: the span covers metrics, error mapping and the handler.
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                http::trace::span(labels.clone(), req, next)
            }))
            .configure(move |cfg| ops_routes(cfg, ops))
            .configure(move |cfg| routes::configure(cfg, state))
            .default_service(web::to(routes::fallback::not_found))
    })
    .disable_signals()
    .shutdown_timeout(settings.shutdown_grace.as_secs())
    .bind(own.http_addr)?;
    let addr = first_addr(&server.addrs())?;
    svc.adopt_http(spawn_server(server.run(), addr, shutdown));
    svc.into_running()
}
