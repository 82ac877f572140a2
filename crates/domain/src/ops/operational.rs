//! The requirement documents' operational figures (docs/OPERATORS_API.md,
//! "Operational metrics"), computed from what the services report.

use serde::Serialize;
use std::collections::BTreeMap;

/// What the figures are computed from.
#[derive(Debug, Clone, Default)]
pub struct OperationalInputs {
    /// Live agents and how many are online now.
    pub agents: u64,
    pub agents_online: u64,
    /// Downtime of the window's switches, seconds.
    pub downtimes: Vec<f64>,
    /// Switches in the window, and those made by an emergency (a replica
    /// promoted or a fallback placement ahead of a Spot interruption).
    pub switches: u64,
    pub emergency_switches: u64,
    /// The window's savings and what on-demand would have cost.
    pub savings: f64,
    pub on_demand_cost: f64,
    /// Status of every consolidation job started in the window.
    pub consolidation_statuses: Vec<String>,
    /// Window length in days (> 0).
    pub window_days: f64,
}

/// The figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationalMetrics {
    pub window_days: f64,
    /// Online share of the live agents now, percent (null without agents).
    pub agent_uptime_percent: Option<f64>,
    pub average_switch_downtime_seconds: Option<f64>,
    pub switches: u64,
    /// Savings over on-demand cost, percent (null without on-demand cost).
    pub savings_percent: Option<f64>,
    pub emergency_promotions: u64,
    pub emergency_promotions_per_day: f64,
    /// Consolidation jobs started in the window, by status.
    pub consolidations: BTreeMap<String, u64>,
}

fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| (part / whole * 100.0 * 100.0).round() / 100.0)
}

impl OperationalMetrics {
    pub fn compute(i: &OperationalInputs) -> Self {
        let downtime = super::DowntimeSummary::from_samples(i.downtimes.iter().copied());
        let mut consolidations = BTreeMap::new();
        for s in &i.consolidation_statuses {
            *consolidations.entry(s.clone()).or_insert(0) += 1;
        }
        let per_day = if i.window_days > 0.0 { i.emergency_switches as f64 / i.window_days } else { 0.0 };
        Self {
            window_days: i.window_days,
            agent_uptime_percent: percent(i.agents_online as f64, i.agents as f64),
            average_switch_downtime_seconds: downtime.avg_seconds,
            switches: i.switches,
            savings_percent: percent(i.savings, i.on_demand_cost),
            emergency_promotions: i.emergency_switches,
            emergency_promotions_per_day: (per_day * 1000.0).round() / 1000.0,
            consolidations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_from_inputs() {
        let m = OperationalMetrics::compute(&OperationalInputs {
            agents: 8,
            agents_online: 6,
            downtimes: vec![2.0, 4.0],
            switches: 3,
            emergency_switches: 7,
            savings: 30.0,
            on_demand_cost: 120.0,
            consolidation_statuses: vec!["succeeded".into(), "failed".into(), "succeeded".into()],
            window_days: 7.0,
        });
        assert_eq!(m.agent_uptime_percent, Some(75.0));
        assert_eq!(m.average_switch_downtime_seconds, Some(3.0));
        assert_eq!(m.savings_percent, Some(25.0));
        assert_eq!(m.emergency_promotions_per_day, 1.0);
        assert_eq!(m.consolidations.get("succeeded"), Some(&2));
        assert_eq!(m.consolidations.get("failed"), Some(&1));
    }

    #[test]
    fn nothing_to_measure_is_null_not_zero() {
        let m = OperationalMetrics::compute(&OperationalInputs { window_days: 1.0, ..Default::default() });
        assert_eq!(
            (m.agent_uptime_percent, m.average_switch_downtime_seconds, m.savings_percent),
            (None, None, None)
        );
        assert_eq!(m.emergency_promotions_per_day, 0.0);
    }
}
