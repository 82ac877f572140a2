//! Daily savings of a tenant: what its PRIMARY instances cost against what
//! the same hours would have cost on demand.

use chrono::{DateTime, Duration, Utc};

/// How an interval was billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    Spot,
    OnDemand,
}

/// A span of one instance's usage at one price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsageInterval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub billing: Billing,
    /// Price paid per hour.
    pub hourly_price: f64,
    /// On-demand price per hour of the same instance type.
    pub on_demand_hourly_price: f64,
}

/// One day's figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DailySavings {
    pub spot_hours: f64,
    pub on_demand_hours: f64,
    pub actual_cost: f64,
    pub on_demand_equivalent_cost: f64,
    pub savings: f64,
    /// Savings over the on-demand-equivalent cost, in percent (0 when nothing ran).
    pub savings_percent: f64,
    pub switch_count: u32,
}

/// Sums the intervals clipped to `[day_start, day_start + 24 h)`. Intervals
/// with a negative or non-finite price are skipped.
pub fn daily_savings(day_start: DateTime<Utc>, usage: &[UsageInterval], switch_count: u32) -> DailySavings {
    let day_end = day_start + Duration::days(1);
    let mut out = DailySavings { switch_count, ..DailySavings::default() };
    for u in usage {
        let valid = |p: f64| p.is_finite() && p >= 0.0;
        if !valid(u.hourly_price) || !valid(u.on_demand_hourly_price) {
            continue;
        }
        let start = u.start.max(day_start);
        let end = u.end.min(day_end);
        if end <= start {
            continue;
        }
        let hours = (end - start).num_milliseconds() as f64 / 3_600_000.0;
        match u.billing {
            Billing::Spot => out.spot_hours += hours,
            Billing::OnDemand => out.on_demand_hours += hours,
        }
        out.actual_cost += hours * u.hourly_price;
        out.on_demand_equivalent_cost += hours * u.on_demand_hourly_price;
    }
    out.savings = out.on_demand_equivalent_cost - out.actual_cost;
    out.savings_percent = if out.on_demand_equivalent_cost > 0.0 {
        100.0 * out.savings / out.on_demand_equivalent_cost
    } else {
        0.0
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn constructed_day() {
        let day = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let h = |n: i64| day + Duration::hours(n);
        let usage = [
            // 16 h spot at 0.03 against 0.10 on demand.
            UsageInterval {
                start: h(0),
                end: h(16),
                billing: Billing::Spot,
                hourly_price: 0.03,
                on_demand_hourly_price: 0.10,
            },
            // 6 h on demand after a switch.
            UsageInterval {
                start: h(16),
                end: h(22),
                billing: Billing::OnDemand,
                hourly_price: 0.10,
                on_demand_hourly_price: 0.10,
            },
            // 2 h inside the day of an interval that runs into the next day.
            UsageInterval {
                start: h(22),
                end: h(27),
                billing: Billing::Spot,
                hourly_price: 0.04,
                on_demand_hourly_price: 0.10,
            },
            // Yesterday: ignored.
            UsageInterval {
                start: h(-5),
                end: h(-1),
                billing: Billing::Spot,
                hourly_price: 0.01,
                on_demand_hourly_price: 0.10,
            },
        ];
        let s = daily_savings(day, &usage, 2);
        assert!(close(s.spot_hours, 18.0));
        assert!(close(s.on_demand_hours, 6.0));
        assert!(close(s.actual_cost, 16.0 * 0.03 + 6.0 * 0.10 + 2.0 * 0.04));
        assert!(close(s.on_demand_equivalent_cost, 24.0 * 0.10));
        assert!(close(s.savings, 2.4 - 1.16));
        assert!(close(s.savings_percent, 100.0 * 1.24 / 2.4));
        assert_eq!(s.switch_count, 2);
    }

    #[test]
    fn empty_day_is_zero_not_nan() {
        let day = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let s = daily_savings(day, &[], 0);
        assert_eq!(s, DailySavings::default());
    }
}
