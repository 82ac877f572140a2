//! Emergency rules: which pool an emergency replica goes to, how a notice
//! moves from detected to resolved or failed, what a rebalance
//! recommendation turns into, and the timings recorded on the way.

mod decide;
mod notice;
mod pool_choice;
mod rebalance;

pub use decide::{
    AZ_BURST, BURST_WINDOW_SECS, Decision, Effect, POOL_BURST, PoolSignals, RebalanceFacts, Target,
    TerminationFacts, decide_fallback, decide_rebalance, decide_termination, placement,
};
pub use notice::{NoticeKind, NoticeStatus, NoticeTransitionError, Timeline, notice_transition};
pub use pool_choice::{
    BootStats, FallbackStep, MIN_BOOT_SAMPLES, PoolChoice, fallback_after, fastest_boot_pool,
};
pub use rebalance::{RebalanceAction, RebalancePolicy, fallback_risk_score, rebalance_action};
