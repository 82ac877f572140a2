//! The simulated cloud: reproducible for a seed, prices bounded, boot times
//! in range, interruptions announced, mass events reclaim a whole AZ.

use crate::harness::at;
use spot_fleet_sim::SimTime;
use spot_fleet_sim::cloud::{
    Cloud, CloudConfig, CloudError, CloudEvent, InstanceState, LaunchKey, LaunchRequest, Market,
    MassEventSpec, TerminationReason,
};
use std::collections::HashMap;
use std::time::Duration;

fn req(cloud: &Cloud, n: u64, market: Market) -> LaunchRequest {
    let types = &cloud.config().instance_types;
    let azs = &cloud.config().azs;
    LaunchRequest {
        key: LaunchKey::root(n),
        instance_type: types[(n as usize) % types.len()].name.clone(),
        az: azs[(n as usize / types.len()) % azs.len()].clone(),
        market,
        ami_id: None,
    }
}

/// A busy day: 300 instances, launches and terminations spread over 48 h.
fn busy_run(seed: u64) -> Vec<CloudEvent> {
    let cfg = CloudConfig {
        seed,
        interruption_rate_per_hour: (0.01, 0.2),
        mass_events_per_day: 2.0,
        event_log_capacity: 1_000_000,
        ..CloudConfig::default()
    };
    let mut cloud = Cloud::new(cfg).unwrap();
    for n in 0..200 {
        let r = req(&cloud, n, if n % 10 == 0 { Market::OnDemand } else { Market::Spot });
        cloud.launch_running(&r, SimTime::ZERO).unwrap();
    }
    for n in 200..300u64 {
        let t = at(n as f64 * 600.0);
        let r = req(&cloud, n, Market::Spot);
        let _ = cloud.launch(&r, t); // may hit a capacity outage: part of the run
        if n % 7 == 0 {
            let victim = cloud.instances().find(|i| i.is_alive()).map(|i| i.id.clone());
            if let Some(id) = victim {
                cloud.terminate(&id, t).unwrap();
            }
        }
    }
    cloud.advance_to(at(48.0 * 3600.0));
    cloud.drain_events()
}

#[test]
fn same_seed_same_history_other_seed_other_history() {
    let a = busy_run(42);
    let b = busy_run(42);
    let c = busy_run(43);
    assert!(a.len() > 1000, "a busy run has many events ({})", a.len());
    assert_eq!(a, b);
    assert_ne!(a, c);
    let count = |evs: &[CloudEvent], f: fn(&CloudEvent) -> bool| evs.iter().filter(|e| f(e)).count();
    assert!(count(&a, |e| matches!(e, CloudEvent::TerminationNotice { .. })) > 10);
    assert!(count(&a, |e| matches!(e, CloudEvent::RebalanceRecommended { .. })) > 5);
    assert!(count(&a, |e| matches!(e, CloudEvent::PriceChanged { .. })) > 100);
    assert!(a.windows(2).all(|w| w[0].at() <= w[1].at()), "events are in time order");
}

#[test]
fn prices_stay_positive_below_the_cap_and_move() {
    let cfg =
        CloudConfig { seed: 9, spike_chance_per_tick: 0.05, price_cap_ratio: 0.9, ..CloudConfig::default() };
    let mut cloud = Cloud::new(cfg).unwrap();
    let cap: HashMap<String, f64> =
        cloud.pools().iter().map(|p| (p.id.to_string(), p.on_demand * 0.9)).collect();
    let mut initial: HashMap<String, f64> =
        cloud.pools().iter().map(|p| (p.id.to_string(), p.price())).collect();
    cloud.advance_to(at(30.0 * 86_400.0));
    let mut moves = 0;
    let mut spikes_to_cap = 0;
    for e in cloud.drain_events() {
        if let CloudEvent::PriceChanged { pool, price, .. } = e {
            let cap = cap[&pool.to_string()];
            assert!(price > 0.0, "{pool} went to {price}");
            assert!(price <= cap + 1e-12, "{pool} {price} above cap {cap}");
            moves += 1;
            if price >= cap - 1e-9 {
                spikes_to_cap += 1;
            }
            initial.insert(pool.to_string(), price);
        }
    }
    assert!(moves > 36 * 100, "prices move ({moves})");
    assert!(spikes_to_cap > 0, "spikes reach the cap sometimes");
    for pool in cloud.pools() {
        let ratio = pool.price() / pool.on_demand;
        assert!(ratio < 0.9 + 1e-9 && ratio > 0.0, "{} at {ratio} of on-demand", pool.id);
    }
}

#[test]
fn boot_times_stay_in_the_configured_range() {
    let cfg = CloudConfig {
        boot_time: (Duration::from_secs(30), Duration::from_secs(90)),
        interruption_rate_per_hour: (0.0, 0.0),
        ..CloudConfig::default()
    };
    let mut cloud = Cloud::new(cfg).unwrap();
    let mut per_pool: HashMap<String, Vec<f64>> = HashMap::new();
    for n in 0..2000 {
        let r = req(&cloud, n, Market::Spot);
        let inst = cloud.launch(&r, at(1.0)).unwrap();
        let boot = inst.ready_at.since(inst.launched_at).as_secs_f64();
        assert!((30.0..=90.0).contains(&boot), "boot {boot}");
        per_pool.entry(format!("{}.{}", inst.instance_type, inst.az)).or_default().push(boot);
    }
    cloud.advance_to(at(92.0));
    assert!(cloud.instances().all(|i| i.state == InstanceState::Running), "all ready after the longest boot");
    let means: Vec<f64> = per_pool.values().map(|v| v.iter().sum::<f64>() / v.len() as f64).collect();
    let (lo, hi) = means.iter().fold((f64::MAX, f64::MIN), |(l, h), m| (l.min(*m), h.max(*m)));
    assert!(hi - lo > 5.0, "pools differ in boot time ({lo:.1}..{hi:.1})");
}

#[test]
fn a_mass_event_reclaims_every_spot_instance_of_the_az() {
    let at_event = Duration::from_secs(3600);
    let cfg = CloudConfig {
        seed: 3,
        interruption_rate_per_hour: (0.0, 0.0),
        rebalance_probability: 0.5,
        mass_events: vec![MassEventSpec { az: "us-east-1c".into(), at: at_event }],
        ..CloudConfig::default()
    };
    let mut cloud = Cloud::new(cfg).unwrap();
    for n in 0..360 {
        let market = if n % 9 == 0 { Market::OnDemand } else { Market::Spot };
        let r = req(&cloud, n, market);
        cloud.launch_running(&r, SimTime::ZERO).unwrap();
    }
    let in_c: Vec<String> = cloud
        .instances()
        .filter(|i| i.az == "us-east-1c" && i.market == Market::Spot)
        .map(|i| i.id.clone())
        .collect();
    assert!(in_c.len() > 40);

    cloud.advance_to(at(3601.0));
    let spot_launch = LaunchRequest { key: LaunchKey::root(9999), ..req(&cloud, 14, Market::Spot) };
    assert_eq!(spot_launch.az, "us-east-1c");
    assert!(matches!(cloud.launch(&spot_launch, at(3601.0)), Err(CloudError::InsufficientCapacity(_))));

    cloud.advance_to(at(3600.0 + 121.0));
    for id in &in_c {
        let inst = cloud.instance(id).unwrap();
        assert_eq!(inst.state, InstanceState::Terminated, "{id}");
        assert_eq!(inst.terminated.map(|t| t.1), Some(TerminationReason::Interrupted));
        assert_eq!(inst.notice, Some((at(3600.0), at(3720.0))), "two-minute notice");
    }
    for inst in cloud.instances().filter(|i| !(i.az == "us-east-1c" && i.market == Market::Spot)) {
        assert_eq!(inst.state, InstanceState::Running, "{} in {} survives", inst.id, inst.az);
    }
    let events = cloud.drain_events();
    let warned = events.iter().filter(|e| matches!(e, CloudEvent::RebalanceRecommended { .. })).count();
    assert!(warned > 5 && warned < in_c.len(), "about half got a rebalance first ({warned})");
    assert!(events.iter().any(|e| matches!(e, CloudEvent::MassInterruption { az, instances, .. }
        if az == "us-east-1c" && *instances == in_c.len())));
}

#[test]
fn rebalance_recommendations_precede_interruptions_by_minutes() {
    let cfg = CloudConfig {
        seed: 11,
        interruption_rate_per_hour: (0.5, 2.0),
        rebalance_probability: 1.0,
        ..CloudConfig::default()
    };
    let mut cloud = Cloud::new(cfg).unwrap();
    for n in 0..300 {
        let r = req(&cloud, n, Market::Spot);
        cloud.launch_running(&r, SimTime::ZERO).unwrap();
    }
    cloud.advance_to(at(6.0 * 3600.0));
    let mut recommended: HashMap<String, SimTime> = HashMap::new();
    let mut notices = 0;
    for e in cloud.drain_events() {
        match e {
            CloudEvent::RebalanceRecommended { at, instance_id } => {
                recommended.insert(instance_id, at);
            }
            CloudEvent::TerminationNotice { at: t, instance_id, deadline } => {
                notices += 1;
                assert_eq!(deadline.since(t), Duration::from_secs(120));
                let r = recommended.get(&instance_id).copied().expect("recommendation first");
                let lead = t.since(r).as_secs_f64();
                assert!(lead <= 600.0 + 1e-6, "lead {lead}");
            }
            _ => {}
        }
    }
    assert!(notices > 100, "interruptions happen at these rates ({notices})");
}

#[test]
fn interruption_counts_follow_the_pool_rates() {
    let rate = 0.05;
    let cfg = CloudConfig { seed: 5, interruption_rate_per_hour: (rate, rate), ..CloudConfig::default() };
    let mut cloud = Cloud::new(cfg).unwrap();
    let n = 1000;
    for k in 0..n {
        let r = req(&cloud, k, Market::Spot);
        cloud.launch_running(&r, SimTime::ZERO).unwrap();
    }
    let hours = 10.0;
    cloud.advance_to(at(hours * 3600.0));
    let expected = n as f64 * (1.0 - (-rate * hours).exp());
    let got = cloud.stats().interruptions as f64;
    assert!((got - expected).abs() < 4.0 * expected.sqrt() + 5.0, "got {got}, expected about {expected:.0}");
}
