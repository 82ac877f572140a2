//! SQL of the pricing schema, written by hand: the ingest and
//! consolidation statements are tuned for their plans (see each one) and
//! measured by `spotctl bench ingest` / `bench pricing`. Rows are read into
//! structs that derive `FromQueryResult`, roles typed as the domain's enums.

pub mod canonical;
pub mod consolidated;
pub mod current;
pub mod jobs;
pub mod replica_costs;
pub mod risk;
pub mod savings;
pub mod staging;

pub(crate) use spot_platform::store::sql;
