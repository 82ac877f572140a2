//! Parameters of the simulated cloud, with defaults that look like one AWS
//! region (six AZs, six common instance types, on-demand list prices).

use crate::error::SimError;
use std::time::Duration;

/// An instance type and its on-demand price (USD per hour).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceTypeSpec {
    /// e.g. `m5.large`.
    pub name: String,
    /// On-demand price per hour; spot prices stay below it.
    pub on_demand_price: f64,
}

impl InstanceTypeSpec {
    /// Shorthand constructor.
    pub fn new(name: &str, on_demand_price: f64) -> Self {
        InstanceTypeSpec { name: name.to_owned(), on_demand_price }
    }
}

/// A mass interruption scheduled explicitly: every spot instance of `az`
/// gets a termination notice at `at` (since the simulation start).
#[derive(Debug, Clone, PartialEq)]
pub struct MassEventSpec {
    /// The AZ reclaimed, e.g. `us-east-1c`.
    pub az: String,
    /// When the notices go out.
    pub at: Duration,
}

/// Everything that shapes the simulated cloud. Same config and seed, same
/// pools, price traces and interruption schedule.
#[derive(Debug, Clone)]
pub struct CloudConfig {
    /// Root seed of every cloud stream.
    pub seed: u64,
    /// Region name, e.g. `us-east-1`.
    pub region: String,
    /// Availability zones of the region.
    pub azs: Vec<String>,
    /// Instance types offered in every AZ (pools = types x AZs).
    pub instance_types: Vec<InstanceTypeSpec>,
    /// How often spot prices move.
    pub price_tick: Duration,
    /// Range of a pool's long-run spot price as a fraction of on-demand.
    pub spot_discount: (f64, f64),
    /// Ornstein-Uhlenbeck volatility of the log price, per sqrt(hour).
    pub volatility: f64,
    /// Mean-reversion speed of the log price, per hour.
    pub reversion_per_hour: f64,
    /// Chance per pool and tick of a price spike.
    pub spike_chance_per_tick: f64,
    /// Size of a spike, added to the log price (range).
    pub spike_size: (f64, f64),
    /// Spot prices never exceed `on_demand * price_cap_ratio` (<= 1).
    pub price_cap_ratio: f64,
    /// Bounds of boot times; each pool draws its own narrower range inside.
    pub boot_time: (Duration, Duration),
    /// Range of per-pool interruption rates (per instance and hour).
    pub interruption_rate_per_hour: (f64, f64),
    /// Share of interruptions preceded by a rebalance recommendation.
    pub rebalance_probability: f64,
    /// How long before the termination notice the recommendation comes.
    pub rebalance_lead: (Duration, Duration),
    /// Termination notice lead time (two minutes on AWS).
    pub notice_lead: Duration,
    /// Random mass events (a whole AZ reclaimed) per day, region-wide.
    pub mass_events_per_day: f64,
    /// Mass events at fixed times, in addition to the random ones.
    pub mass_events: Vec<MassEventSpec>,
    /// After a mass event, spot launches in that AZ fail for this long.
    pub capacity_outage: Duration,
    /// How long creating an image takes (range).
    pub image_creation: (Duration, Duration),
    /// Share of instances that get a public IP.
    pub public_ip_share: f64,
    /// Terminated instances are forgotten after this long.
    pub retention: Duration,
    /// Most events kept in the log (oldest dropped first); 0 disables it.
    pub event_log_capacity: usize,
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            seed: 1,
            region: "us-east-1".to_owned(),
            azs: ["a", "b", "c", "d", "e", "f"].iter().map(|s| format!("us-east-1{s}")).collect(),
            instance_types: vec![
                InstanceTypeSpec::new("t3.medium", 0.0416),
                InstanceTypeSpec::new("m5.large", 0.096),
                InstanceTypeSpec::new("c5.large", 0.085),
                InstanceTypeSpec::new("r5.large", 0.126),
                InstanceTypeSpec::new("m5.xlarge", 0.192),
                InstanceTypeSpec::new("c5.xlarge", 0.17),
            ],
            price_tick: Duration::from_secs(300),
            spot_discount: (0.25, 0.45),
            volatility: 0.08,
            reversion_per_hour: 0.5,
            spike_chance_per_tick: 0.002,
            spike_size: (0.5, 1.2),
            price_cap_ratio: 1.0,
            boot_time: (Duration::from_secs(30), Duration::from_secs(90)),
            interruption_rate_per_hour: (0.002, 0.03),
            rebalance_probability: 0.6,
            rebalance_lead: (Duration::from_secs(120), Duration::from_secs(600)),
            notice_lead: Duration::from_secs(120),
            mass_events_per_day: 0.0,
            mass_events: Vec::new(),
            capacity_outage: Duration::from_secs(1800),
            image_creation: (Duration::from_secs(20), Duration::from_secs(90)),
            public_ip_share: 0.8,
            retention: Duration::from_secs(3600),
            event_log_capacity: 100_000,
        }
    }
}

fn check_range(name: &str, lo: f64, hi: f64, min: f64, max: f64) -> Result<(), SimError> {
    if !(lo.is_finite() && hi.is_finite() && min <= lo && lo <= hi && hi <= max) {
        return Err(SimError::InvalidConfig(format!("{name} must satisfy {min} <= lo <= hi <= {max}")));
    }
    Ok(())
}

impl CloudConfig {
    /// The mass-interruption scenario of the emergency stack test and
    /// `spotctl bench emergency`: three AZs offering `t3.medium` only, no
    /// interruptions or rebalance recommendations of their own, and every
    /// instance in `us-east-1a` reclaimed at once `at` into the run.
    pub fn az_loss(at: Duration) -> Self {
        Self {
            azs: ["us-east-1a", "us-east-1b", "us-east-1c"].map(String::from).to_vec(),
            instance_types: vec![InstanceTypeSpec::new("t3.medium", 0.0416)],
            interruption_rate_per_hour: (0.0, 0.0),
            rebalance_probability: 0.0,
            mass_events: vec![MassEventSpec { az: "us-east-1a".into(), at }],
            ..Self::default()
        }
    }

    /// Rejects configurations the processes cannot run with.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |m: &str| Err(SimError::InvalidConfig(m.to_owned()));
        if self.azs.is_empty() || self.instance_types.is_empty() {
            return bad("the cloud needs at least one AZ and one instance type");
        }
        if self.azs.iter().any(|az| az.is_empty() || az.contains('.')) {
            return bad("AZ names must be non-empty and contain no '.'");
        }
        if self.instance_types.iter().any(|t| !(t.on_demand_price.is_finite() && t.on_demand_price > 0.0)) {
            return bad("on-demand prices must be positive");
        }
        if self.price_tick.is_zero() {
            return bad("price_tick must be positive");
        }
        check_range("spot_discount", self.spot_discount.0, self.spot_discount.1, 0.01, 1.0)?;
        check_range("spike_size", self.spike_size.0, self.spike_size.1, 0.0, 10.0)?;
        check_range("price_cap_ratio", self.price_cap_ratio, self.price_cap_ratio, 0.01, 1.0)?;
        check_range("volatility", self.volatility, self.volatility, 0.0, 10.0)?;
        check_range("reversion_per_hour", self.reversion_per_hour, self.reversion_per_hour, 0.0, 100.0)?;
        for (name, p) in [
            ("spike_chance_per_tick", self.spike_chance_per_tick),
            ("rebalance_probability", self.rebalance_probability),
            ("public_ip_share", self.public_ip_share),
        ] {
            check_range(name, p, p, 0.0, 1.0)?;
        }
        let (lo, hi) = self.interruption_rate_per_hour;
        check_range("interruption_rate_per_hour", lo, hi, 0.0, 1e6)?;
        check_range("mass_events_per_day", self.mass_events_per_day, self.mass_events_per_day, 0.0, 1e6)?;
        if self.boot_time.0 > self.boot_time.1
            || self.rebalance_lead.0 > self.rebalance_lead.1
            || self.image_creation.0 > self.image_creation.1
        {
            return bad("duration ranges must have lo <= hi");
        }
        if let Some(ev) = self.mass_events.iter().find(|e| !self.azs.contains(&e.az)) {
            return Err(SimError::InvalidConfig(format!("mass event in unknown AZ {}", ev.az)));
        }
        Ok(())
    }
}
