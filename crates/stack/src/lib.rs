//! All five services in one process. Lifecycle, pricing and emergency start
//! first so the gateway (and emergency) can be pointed at their actual gRPC
//! addresses (port 0 in tests).

use spot_platform::{RunningService, Settings, Shutdown, StartError};
use std::net::SocketAddr;
use std::time::Duration;

/// The running services.
#[derive(Debug)]
pub struct Stack {
    pub gateway: RunningService,
    pub lifecycle: RunningService,
    pub emergency: RunningService,
    pub pricing: RunningService,
    pub decisions: RunningService,
    pub shutdown: Shutdown,
}

impl Stack {
    /// Starts every service with `settings`.
    pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<Self, StartError> {
        let lifecycle = spot_lifecycle::start(settings, shutdown.clone()).await?;
        let mut gateway_settings = settings.clone();
        if let Some(grpc) = lifecycle.grpc_addr {
            gateway_settings.source.set("SPOT_LIFECYCLE_GRPC_URL", format!("http://{grpc}"));
        }
        let pricing = spot_pricing::start(settings, shutdown.clone()).await?;
        if let Some(grpc) = pricing.grpc_addr {
            gateway_settings.source.set("SPOT_PRICING_GRPC_URL", format!("http://{grpc}"));
        }
        let emergency = spot_emergency::start(&gateway_settings, shutdown.clone()).await?;
        if let Some(grpc) = emergency.grpc_addr {
            gateway_settings.source.set("SPOT_EMERGENCY_GRPC_URL", format!("http://{grpc}"));
        }
        // Decisions queues commands on lifecycle and reads prices from pricing.
        let decisions = spot_decisions::start(&gateway_settings, shutdown.clone()).await?;
        if let Some(grpc) = decisions.grpc_addr {
            gateway_settings.source.set("SPOT_DECISIONS_GRPC_URL", format!("http://{grpc}"));
        }
        let gateway = spot_gateway::start(&gateway_settings, shutdown.clone()).await?;
        Ok(Self { gateway, lifecycle, emergency, pricing, decisions, shutdown })
    }

    /// Base URL of the gateway.
    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.gateway.http_addr)
    }

    /// Every service's HTTP address, for the start-up banner.
    pub fn addresses(&self) -> Vec<(&'static str, SocketAddr)> {
        [&self.gateway, &self.lifecycle, &self.emergency, &self.pricing, &self.decisions]
            .iter()
            .map(|s| (s.name, s.http_addr))
            .collect()
    }

    /// Triggers shutdown and waits for every service to drain.
    pub async fn stop(self, grace: Duration) {
        self.shutdown.trigger();
        // The gateway first stops taking requests; the others drain in parallel.
        self.gateway.drain(grace).await;
        futures::join!(
            self.lifecycle.drain(grace),
            self.emergency.drain(grace),
            self.pricing.drain(grace),
            self.decisions.drain(grace)
        );
    }
}
