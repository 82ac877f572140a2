//! How the cloud moves forward in time: price ticks, boots finishing,
//! rebalance recommendations, notices, reclaims and mass events, applied in
//! time order (price ticks first on ties, then insertion order).

use super::events::Due;
use super::{Cloud, CloudEvent, InstanceState, Market, TerminationReason};
use crate::clock::SimTime;
use std::time::Duration;

/// How long before a mass event its AZ gets rebalance recommendations.
fn mass_warning_lead(cloud: &Cloud) -> Duration {
    cloud.cfg.rebalance_lead.0
}

impl Cloud {
    /// Applies everything due up to `t` (no-op for times already passed).
    pub fn advance_to(&mut self, t: SimTime) {
        if t <= self.now {
            return;
        }
        let tick = self.cfg.price_tick;
        loop {
            let next_tick =
                SimTime::ZERO + tick.saturating_mul(u32::try_from(self.price_ticks + 1).unwrap_or(u32::MAX));
            let next_due = self.schedule.next_at();
            if next_tick <= t && next_due.is_none_or(|d| next_tick <= d) {
                self.now = next_tick;
                self.price_ticks += 1;
                self.tick_prices(tick);
                continue;
            }
            match self.schedule.pop_due(t) {
                Some((at, due)) => {
                    self.now = self.now.max(at);
                    self.apply(due);
                }
                None => break,
            }
        }
        self.now = t;
    }

    fn tick_prices(&mut self, dt: Duration) {
        let at = self.now;
        for pool in &mut self.pools {
            if let Some(price) = pool.step(dt) {
                self.log.push(CloudEvent::PriceChanged { at, pool: pool.id.clone(), price });
            }
        }
    }

    fn apply(&mut self, due: Due) {
        let at = self.now;
        match due {
            Due::Ready(id) => {
                if let Some(inst) = self.instances.get_mut(&id).filter(|i| i.state == InstanceState::Pending)
                {
                    inst.state = InstanceState::Running;
                    self.log.push(CloudEvent::Ready { at, instance_id: id });
                }
            }
            Due::Rebalance(id) => self.recommend_rebalance(&id),
            Due::Notice(id) => {
                self.notify(&id);
            }
            Due::Reclaim(id) => {
                if self.instances.get(&id).is_some_and(|i| i.is_alive()) {
                    self.end(&id, TerminationReason::Interrupted);
                }
            }
            Due::Forget(id) => {
                if self.instances.get(&id).is_some_and(|i| !i.is_alive()) {
                    self.instances.remove(&id);
                }
            }
            Due::MassWarning(az) => self.mass_warning(az),
            Due::MassNotice(az, random) => self.mass_notice(az, random),
        }
    }

    fn recommend_rebalance(&mut self, id: &str) {
        let at = self.now;
        if let Some(inst) = self.instances.get_mut(id).filter(|i| i.is_alive() && i.rebalance_at.is_none()) {
            inst.rebalance_at = Some(at);
            self.stats.rebalances += 1;
            self.log.push(CloudEvent::RebalanceRecommended { at, instance_id: id.to_owned() });
        }
    }

    /// Issues a termination notice; false if the instance is gone or already noticed.
    fn notify(&mut self, id: &str) -> bool {
        let at = self.now;
        let deadline = at + self.cfg.notice_lead;
        let Some(inst) = self.instances.get_mut(id).filter(|i| i.is_alive() && i.notice.is_none()) else {
            return false;
        };
        inst.notice = Some((at, deadline));
        self.stats.interruptions += 1;
        self.log.push(CloudEvent::TerminationNotice { at, instance_id: id.to_owned(), deadline });
        self.schedule.push(deadline, Due::Reclaim(id.to_owned()));
        true
    }

    /// Marks an instance terminated now and schedules forgetting it.
    pub(super) fn end(&mut self, id: &str, reason: TerminationReason) {
        let at = self.now;
        if let Some(inst) = self.instances.get_mut(id) {
            inst.state = InstanceState::Terminated;
            inst.terminated = Some((at, reason));
            self.stats.terminations += 1;
            self.log.push(CloudEvent::Terminated { at, instance_id: id.to_owned(), reason });
            self.schedule.push(at + self.cfg.retention, Due::Forget(id.to_owned()));
        }
    }

    /// Queues the configured mass events and the first random one per AZ.
    pub(super) fn schedule_mass_events(&mut self) {
        let lead = mass_warning_lead(self);
        for spec in self.cfg.mass_events.clone() {
            if let Some(az) = self.cfg.azs.iter().position(|a| *a == spec.az) {
                let at = SimTime::ZERO + spec.at;
                self.schedule.push(SimTime::ZERO + spec.at.saturating_sub(lead), Due::MassWarning(az));
                self.schedule.push(at, Due::MassNotice(az, false));
            }
        }
        for az in 0..self.cfg.azs.len() {
            self.schedule_random_mass_event(az, SimTime::ZERO);
        }
    }

    fn schedule_random_mass_event(&mut self, az: usize, after: SimTime) {
        let per_az_per_sec = self.cfg.mass_events_per_day / self.cfg.azs.len() as f64 / 86_400.0;
        let Some(rng) = self.az_rngs.get_mut(az) else { return };
        let wait = rng.exp(per_az_per_sec);
        if wait.is_finite() && wait < 1e10 {
            let at = after + Duration::from_secs_f64(wait);
            let lead = mass_warning_lead(self);
            self.schedule
                .push(SimTime::from_secs_f64(at.as_secs_f64() - lead.as_secs_f64()), Due::MassWarning(az));
            self.schedule.push(at, Due::MassNotice(az, true));
        }
    }

    fn spot_alive_in(&self, az: usize) -> Vec<String> {
        let Some(name) = self.cfg.azs.get(az) else { return Vec::new() };
        self.instances
            .values()
            .filter(|i| i.is_alive() && i.market == Market::Spot && i.az == *name)
            .map(|i| i.id.clone())
            .collect()
    }

    fn mass_warning(&mut self, az: usize) {
        let p = self.cfg.rebalance_probability;
        for id in self.spot_alive_in(az) {
            let warned = self.az_rngs.get_mut(az).is_some_and(|r| r.chance(p));
            if warned {
                self.recommend_rebalance(&id);
            }
        }
    }

    fn mass_notice(&mut self, az: usize, random: bool) {
        let at = self.now;
        let victims = self.spot_alive_in(az);
        let noticed = victims.iter().filter(|id| self.notify(id)).count();
        self.stats.mass_events += 1;
        if let Some(until) = self.outage_until.get_mut(az) {
            *until = at + self.cfg.capacity_outage;
        }
        let name = self.cfg.azs.get(az).cloned().unwrap_or_default();
        self.log.push(CloudEvent::MassInterruption { at, az: name, instances: noticed });
        if random {
            self.schedule_random_mass_event(az, at);
        }
    }
}
