//! Admission control (docs/HARDENING.md, "Load shedding"): a bound on the
//! requests in flight in one gateway process, a large budget for the agents'
//! scheduled calls, a quarter of it again for their rarer calls that matter
//! more (registration, notices, reports), and a small one for the
//! operators' (the route's [`RouteClass`]), each with a bounded wait for a
//! slot. A request that gets no slot within the wait is refused with 503
//! `overloaded` + Retry-After before the idempotency layer, its handler or
//! any downstream call ran, so a refusal costs nothing but the refusal. It is taken in
//! [`super::limits::guard`], after the edge checks: a request over an edge
//! limit never holds a slot. The ops routes are never refused.
//!
//! A slot is held until the handler's answer is ready (for a streamed
//! answer, its head), then released whatever the outcome: success, error,
//! timeout, or a client that went away (the request's future is dropped).

use crate::error::ApiError;
use crate::routes::labels::{RouteClass, RouteLabels};
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Agent slots per pooled database connection when not set: an agent call
/// needs at most one connection, briefly, and most need none (cache hits,
/// publishes), so even if every admitted call queued for the pool, the queue
/// would drain in 64 query times, far inside the pool's 5 s acquire timeout.
pub const AGENT_SLOTS_PER_CONNECTION: u64 = 64;
/// Operator slots per pooled database connection when not set: operators'
/// reads are heavier (listings, analytics), and a dashboard sends a handful
/// at once.
pub const OPERATOR_SLOTS_PER_CONNECTION: u64 = 4;

/// The agents' priority budget, and their registrations', is each their
/// scheduled calls' divided by this.
pub const PRIORITY_DIVISOR: usize = 4;

/// Buckets of the wait histogram (seconds): the default wait is 0.5 s.
const WAIT_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The budgets of the gateway's settings section (docs/CONFIGURATION.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionSettings {
    /// Agents' scheduled calls in flight at once in this process (their
    /// priority calls and their registrations get a quarter of it each
    /// besides, [`PRIORITY_DIVISOR`]).
    pub agent_slots: usize,
    /// Operators' calls in flight at once in this process.
    pub operator_slots: usize,
    /// Longest a request waits for a slot before it is refused.
    pub wait: Duration,
}

/// `gateway_requests_in_flight`, `gateway_requests_refused_total` and
/// `gateway_admission_wait_seconds`, by route class (docs/OBSERVABILITY.md).
#[derive(Debug, Clone)]
pub struct AdmissionMetrics {
    in_flight: IntGaugeVec,
    refused: IntCounterVec,
    waited: HistogramVec,
}

impl AdmissionMetrics {
    /// Registers the metrics.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let in_flight = IntGaugeVec::new(
            Opts::new("gateway_requests_in_flight", "requests holding an admission slot, by route class"),
            &["class"],
        )?;
        let refused = IntCounterVec::new(
            Opts::new(
                "gateway_requests_refused_total",
                "requests refused by admission control (503 overloaded), by route class",
            ),
            &["class"],
        )?;
        let waited = HistogramVec::new(
            HistogramOpts::new(
                "gateway_admission_wait_seconds",
                "time a request waited for an admission slot",
            )
            .buckets(WAIT_BUCKETS.to_vec()),
            &["class"],
        )?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(refused.clone()))?;
        registry.register(Box::new(waited.clone()))?;
        Ok(Self { in_flight, refused, waited })
    }
}

/// One class's budget, with its metrics resolved once (no label lookup per
/// request).
#[derive(Debug)]
struct Gate {
    slots: Semaphore,
    in_flight: IntGauge,
    refused: IntCounter,
    waited: prometheus::Histogram,
}

impl Gate {
    fn new(slots: usize, metrics: &AdmissionMetrics, class: &str) -> Self {
        Self {
            slots: Semaphore::new(slots.min(Semaphore::MAX_PERMITS)),
            in_flight: metrics.in_flight.with_label_values(&[class]),
            refused: metrics.refused.with_label_values(&[class]),
            waited: metrics.waited.with_label_values(&[class]),
        }
    }

    async fn enter(&self, wait: Duration) -> Result<Slot<'_>, ApiError> {
        // A free slot costs no timer; only a full budget waits.
        let permit = match self.slots.try_acquire() {
            Ok(permit) => {
                self.waited.observe(0.0);
                permit
            }
            Err(_) => {
                let started = Instant::now();
                let got = tokio::time::timeout(wait, self.slots.acquire()).await;
                self.waited.observe(started.elapsed().as_secs_f64());
                // An error is a closed semaphore, which this one never is.
                let Ok(Ok(permit)) = got else {
                    self.refused.inc();
                    return Err(ApiError::Overloaded);
                };
                permit
            }
        };
        self.in_flight.inc();
        Ok(Slot { _permit: permit, in_flight: &self.in_flight })
    }
}

/// A held slot; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot<'a> {
    _permit: SemaphorePermit<'a>,
    in_flight: &'a IntGauge,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.in_flight.dec();
    }
}

#[derive(Debug)]
struct Budgets {
    labels: Arc<RouteLabels>,
    agent: Gate,
    priority: Gate,
    register: Gate,
    operator: Gate,
    wait: Duration,
}

/// The process's budgets; cheap to clone (every clone shares them).
#[derive(Debug, Clone)]
pub struct Admission {
    budgets: Arc<Budgets>,
}

impl Admission {
    /// Budgets of `settings`; routes are classed by `labels`.
    pub fn new(settings: AdmissionSettings, labels: Arc<RouteLabels>, metrics: &AdmissionMetrics) -> Self {
        Self {
            budgets: Arc::new(Budgets {
                labels,
                agent: Gate::new(settings.agent_slots, metrics, "agent"),
                priority: Gate::new(
                    (settings.agent_slots / PRIORITY_DIVISOR).max(1),
                    metrics,
                    "agent_priority",
                ),
                register: Gate::new(
                    (settings.agent_slots / PRIORITY_DIVISOR).max(1),
                    metrics,
                    "agent_register",
                ),
                operator: Gate::new(settings.operator_slots, metrics, "operator"),
                wait: settings.wait,
            }),
        }
    }

    /// A slot for a request to `path`, held until the returned value drops
    /// (`None` for the ops routes, which take none); 503 `overloaded` when
    /// no slot came free within the wait.
    pub async fn enter(&self, path: &str) -> Result<Option<Slot<'_>>, ApiError> {
        self.enter_class(self.budgets.labels.class(path)).await
    }

    /// [`Admission::enter`] for a request, by the route the outermost layer
    /// matched (no second walk of the route table).
    pub async fn enter_request(
        &self,
        req: &actix_web::dev::ServiceRequest,
    ) -> Result<Option<Slot<'_>>, ApiError> {
        self.enter_class(self.budgets.labels.matched(req).class).await
    }

    async fn enter_class(&self, class: RouteClass) -> Result<Option<Slot<'_>>, ApiError> {
        let budgets = &*self.budgets;
        let gate = match class {
            RouteClass::Agent => &budgets.agent,
            RouteClass::AgentPriority => &budgets.priority,
            RouteClass::AgentRegister => &budgets.register,
            RouteClass::Operator => &budgets.operator,
            RouteClass::Ops => return Ok(None),
        };
        gate.enter(budgets.wait).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::limits::{LimitSettings, guard, timeout};
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, ResponseError, test, web};

    const WAIT: Duration = Duration::from_millis(50);

    fn labels() -> Arc<RouteLabels> {
        Arc::new(RouteLabels::new([
            ("/api/agents/{agent_id}/heartbeat", RouteClass::Agent),
            ("/api/agents/register", RouteClass::AgentPriority),
            ("/api/admin/tenants", RouteClass::Operator),
            ("/metrics", RouteClass::Ops),
        ]))
    }

    /// One slot per class, a 50 ms wait.
    fn admission(registry: &Registry) -> Result<Admission, prometheus::Error> {
        let settings = AdmissionSettings { agent_slots: 1, operator_slots: 1, wait: WAIT };
        let metrics = AdmissionMetrics::register(registry)?;
        Ok(Admission::new(settings, labels(), &metrics))
    }

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    async fn answer(kind: web::Path<String>) -> Result<HttpResponse, ApiError> {
        match kind.as_str() {
            "error" => Err(ApiError::BusUnavailable),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(HttpResponse::Ok().finish())
            }
            _ => Ok(HttpResponse::Ok().finish()),
        }
    }

    /// The value of `name{class=...}`: a gauge's or counter's value, a
    /// histogram's count.
    fn metric(registry: &Registry, name: &str, class: &str) -> f64 {
        let families = registry.gather();
        let found = families
            .iter()
            .filter(|family| family.name() == name)
            .flat_map(|family| family.get_metric().iter())
            .find(|m| m.get_label().iter().any(|l| l.value() == class));
        found.map_or(0.0, |m| {
            m.get_gauge().get_value()
                + m.get_counter().get_value()
                + m.get_histogram().get_sample_count() as f64
        })
    }

    #[actix_web::test]
    async fn a_slot_is_released_after_success_error_and_timeout() -> TestResult {
        let registry = Registry::new();
        let gate = admission(&registry)?;
        let limits =
            LimitSettings { agent_request_timeout: Duration::from_millis(200), ..LimitSettings::tiny() };
        let app = test::init_service(
            App::new()
                .wrap(from_fn({
                    let labels = labels();
                    move |req, next| timeout(limits, labels.clone(), req, next)
                }))
                .wrap(from_fn({
                    let gate = gate.clone();
                    move |req, next| guard(limits, gate.clone(), req, next)
                }))
                .route("/api/agents/{kind}/heartbeat", web::post().to(answer)),
        )
        .await;
        let call = |kind: &str| test::TestRequest::post().uri(&format!("/api/agents/{kind}/heartbeat"));
        // One slot: each call below would be refused if the one before kept it.
        for (kind, status) in [("ok", 200), ("error", 503), ("slow", 503), ("ok", 200)] {
            let started = Instant::now();
            let status_of = match test::try_call_service(&app, call(kind).to_request()).await {
                Ok(resp) => resp.status(),
                Err(e) => e.as_response_error().status_code(),
            };
            assert_eq!(status_of.as_u16(), status, "{kind}");
            // The agents' time limit, not the operators' 1 s, cut the slow one.
            assert!(started.elapsed() < Duration::from_millis(900), "{kind}");
            assert_eq!(gate.budgets.agent.slots.available_permits(), 1, "{kind} kept its slot");
            assert_eq!(metric(&registry, "gateway_requests_in_flight", "agent"), 0.0);
        }
        assert_eq!(metric(&registry, "gateway_requests_refused_total", "agent"), 0.0);
        assert_eq!(metric(&registry, "gateway_admission_wait_seconds", "agent"), 4.0);
        Ok(())
    }

    #[actix_web::test]
    async fn a_full_budget_refuses_after_the_wait_and_the_classes_are_apart() -> TestResult {
        let registry = Registry::new();
        let gate = admission(&registry)?;
        let held = gate.enter("/api/agents/a/heartbeat").await;
        assert!(matches!(held, Ok(Some(_))));
        assert_eq!(metric(&registry, "gateway_requests_in_flight", "agent"), 1.0);
        let started = Instant::now();
        let refused = gate.enter("/api/agents/b/heartbeat").await.map(|s| s.is_some());
        let waited = started.elapsed();
        let Err(refusal) = refused else { return Err(format!("a full budget admitted: {refused:?}").into()) };
        assert!(waited >= WAIT && waited < WAIT * 20, "waited {waited:?}");
        let resp = refusal.error_response();
        assert_eq!(resp.status().as_u16(), 503);
        assert_eq!(refusal.code(), "overloaded");
        assert_eq!(resp.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
        assert_eq!(metric(&registry, "gateway_requests_refused_total", "agent"), 1.0);
        // The other budgets and the ops routes do not feel the agents' load.
        assert!(matches!(gate.enter("/api/agents/register").await, Ok(Some(_))));
        assert!(matches!(gate.enter("/api/admin/tenants").await, Ok(Some(_))));
        assert!(matches!(gate.enter("/metrics").await, Ok(None)));
        // A slot freed while a request waits goes to it.
        let waiting = gate.enter("/api/agents/c/heartbeat");
        let release = async {
            tokio::time::sleep(WAIT / 5).await;
            drop(held);
        };
        let (admitted, ()) = tokio::join!(waiting, release);
        assert!(matches!(admitted, Ok(Some(_))));
        Ok(())
    }
}
