//! Pricing service against real Postgres (and the moto AWS emulator for
//! backfill): staging ingest, consolidation, canonical refresh, risk, savings.

mod backfill;
mod consolidation;
mod helpers;
mod risk_savings;
mod staging;
